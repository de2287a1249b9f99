/* SPDX-License-Identifier: Apache-2.0 */
/* update.c: how far behind a channel, which advisories (see update.h). */
#include "core/k3sguard.h"
#include "core/config.h"
#include "update/update.h"

const char *update_channels_file;
const char *update_advisories_file;

int
update_load_channels(struct channels *ch, int online)
{
	if (online && !update_channels_file)
		return channels_fetch(config_str("updates.channels-url", CHANNELS_URL), ch);
	return channels_load_file(data_file("channels.json", update_channels_file,
	    "updates.channels-file"), ch);
}

int
update_load_advisories(struct advisories *adv)
{
	return advisories_load(data_file("advisories.json", update_advisories_file,
	    "updates.advisories-file"), adv);
}

int
update_status(const struct version *installed, const struct channels *ch, const char *channel,
    const struct advisories *adv, struct update_status *st)
{
	char line[32];

	memset(st, 0, sizeof(*st));
	st->installed = *installed;
	st->max_minors = config_num("policy.update-max-minors-behind", 0, 100, 1);
	st->max_patches = config_num("policy.update-max-patches-behind", 0, 1000, 2);
	if (!(st->target = channels_find(ch, channel)))
		return error("'%s': no channel '%s'", ch->source, channel);
	snprintf(line, sizeof(line), "v%ld.%ld", installed->major, installed->minor);
	st->line = channels_find(ch, line);
	if (st->target->v.major != installed->major)
		st->minors_behind = st->target->v.major > installed->major ? 1000 : -1000;
	else
		st->minors_behind = st->target->v.minor - installed->minor;
	st->ahead = version_cmp(installed, &st->target->v) > 0;
	if (st->line && version_cmp(installed, &st->line->v) < 0)
		st->patches_behind = st->line->v.patch - installed->patch;
	for (size_t i = 0; adv && i < adv->nk3s; i++) {
		if (!advisory_applies(&adv->k3s[i], installed))
			continue;
		st->adv = xrealloc(st->adv, (st->nadv + 1) * sizeof(*st->adv));
		st->adv[st->nadv++] = &adv->k3s[i];
	}
	st->over_policy = st->nadv > 0 || st->minors_behind > st->max_minors ||
	    st->patches_behind > st->max_patches || !st->line;
	return 0;
}

void
update_status_free(struct update_status *st)
{
	free(st->adv);
	memset(st, 0, sizeof(*st));
}

void
update_status_describe(const struct update_status *st, struct buf *out)
{
	char v[VERSION_STR_MAX];

	buf_addf(out, "%s", version_str(&st->installed, v));
	if (st->ahead)
		buf_addf(out, ": newer than %s (%s)", st->target->id, st->target->latest);
	else if (st->minors_behind > 0)
		buf_addf(out, ": %ld minor%s behind %s (%s)", st->minors_behind,
		    st->minors_behind == 1 ? "" : "s", st->target->id, st->target->latest);
	else
		buf_addf(out, ": on the minor of %s (%s)", st->target->id, st->target->latest);
	if (!st->line)
		buf_addf(out, "; release line v%ld.%ld is not in the channels (end of life)",
		    st->installed.major, st->installed.minor);
	else if (st->patches_behind > 0)
		buf_addf(out, "; %ld patch release%s behind %s (%s)", st->patches_behind,
		    st->patches_behind == 1 ? "" : "s", st->line->id, st->line->latest);
	else if (version_cmp(&st->installed, &st->line->v) < 0)
		buf_addf(out, "; behind %s (%s), a newer K3s build of the same release",
		    st->line->id, st->line->latest);
	else
		buf_addf(out, "; latest of %s", st->line->id);
	if (st->nadv) {
		buf_adds(out, "; advisories:");
		for (size_t i = 0; i < st->nadv; i++)
			buf_addf(out, "%s %s (%s)", i ? "," : "", st->adv[i]->id, st->adv[i]->severity);
	}
	buf_addf(out, " [policy: at most %ld minor%s and %ld patch%s behind]", st->max_minors,
	    st->max_minors == 1 ? "" : "s", st->max_patches, st->max_patches == 1 ? "" : "es");
}
