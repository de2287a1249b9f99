// SPDX-License-Identifier: Apache-2.0
// validate.mjs DOCS.json: every object in the JSON array (the YAML documents
// of a manifest, converted by tests/t8110) checked against the Kubernetes
// OpenAPI schema of its apiVersion and kind, as kubernetes-models generates
// it (types, required fields, enums, formats).  One line per document;
// exit 1 when any is invalid or of a kind this script does not know.
import { readFileSync } from "node:fs";
import { Job } from "kubernetes-models/batch/v1/Job";
import { CronJob } from "kubernetes-models/batch/v1/CronJob";
import { DaemonSet } from "kubernetes-models/apps/v1/DaemonSet";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";

const kinds = {
	"batch/v1 Job": Job,
	"batch/v1 CronJob": CronJob,
	"apps/v1 DaemonSet": DaemonSet,
	"v1 ServiceAccount": ServiceAccount,
};
let bad = 0;
for (const [i, doc] of JSON.parse(readFileSync(process.argv[2], "utf8")).entries()) {
	const model = kinds[`${doc.apiVersion} ${doc.kind}`];
	if (!model) {
		console.log(`doc ${i}: no schema for ${doc.apiVersion} ${doc.kind}`);
		bad++;
		continue;
	}
	try {
		new model(doc).validate();
		console.log(`doc ${i}: ${doc.kind} ${doc.metadata?.name}: valid`);
	} catch (e) {
		console.log(`doc ${i}: ${doc.kind} ${doc.metadata?.name}: ${e.message}`);
		bad++;
	}
}
process.exit(bad ? 1 : 0);
