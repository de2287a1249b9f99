#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t7031: hostile node images against the readers added after t7030: kine's
# state.db (src/cluster/kine.c), the external etcd's datastore-* TLS files
# (src/cluster/cluster-etcd.c), the manifests that K3s reads through links
# (traefik_read, gate_read_follow), the SELinux config, policy store and
# labels (src/checks/check-selinux.c), the K3s binary named by the unit's
# ExecStart (src/node/node.c find_k3s_bin), and what manifests verify and
# traefik audit show of the cluster's applied state.
# As t7030 does, each attack asserts: no canary byte in any output (every
# format), no canary changed (content, mode, owner, mtime, no new file),
# nothing of the image runs (the canary k3s leaves a mark), no hang (every
# command under a time limit), and no pass on what could not be read.
# Link attacks run with openat2 and with the walk (K3SGUARD_GATE_WALK=1).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-canary.sh"
cd "$TMP" || exit 1

OUT=$TMP/outside
UP=$(printf '../%.0s' $(seq 1 24))	# more ".." than any image is deep
S=var/lib/rancher/k3s/server
DB=$S/db/state.db
HCC=/registry/helm.cattle.io/helmchartconfigs/kube-system/traefik
F=$TOP/tests/fixtures
MARK=$TMP/canary-k3s-ran
C_DB=canary-kine-5d1c0b7e
C_WAL=canary-wal-a93e01f2
C_PEM=canary-pem-0c7d4b19
C_SEL=canary-sel-e2f8a6d3
C_BIN=canary-bin-71b0c5ee
C_MAN=canary-man-3f9d2a74
CANARIES="$C_DB $C_WAL $C_PEM $C_SEL $C_BIN $C_MAN"
kine() { python3 "$F/kine/kine-state.py" "$@"; }

# The canaries: a kine state.db whose HelmChartConfig and Addon carry
# C_DB (with a -wal and -journal), PEM files, an SELinux config, a policy
# store, a K3s binary that leaves $MARK when run, a manifest.
mkdir -p "$OUT/db" "$OUT/pem" "$OUT/selinux" "$OUT/store/$C_SEL/active/modules/200/k3s" \
	"$OUT/bin" "$OUT/manifests"
cat >hcc-canary.yaml <<EOF
apiVersion: helm.cattle.io/v1
kind: HelmChartConfig
metadata:
  name: traefik
  namespace: kube-system
spec:
  valuesContent: |-
    # $C_DB
    api:
      insecure: false
EOF
kine "$OUT/db/state.db" put "$HCC" hcc-canary.yaml \
	addon "$C_DB" "/$S/manifests/$C_DB.yaml" hcc-canary.yaml >/dev/null
printf 'SQLite %s wal\n' "$C_WAL" >"$OUT/db/state.db-wal"
printf 'SQLite %s journal\n' "$C_WAL" >"$OUT/db/state.db-journal"
for f in ca.crt client.crt client.key; do
	printf -- '-----BEGIN CERTIFICATE-----\n%s\n-----END CERTIFICATE-----\n' "$C_PEM" >"$OUT/pem/$f"
done
chmod 600 "$OUT/pem/client.key"
printf 'SELINUX=enforcing\nSELINUXTYPE=%s\n' "$C_SEL" >"$OUT/selinux/config"
printf 'store-root = /%s\n' "$C_SEL" >"$OUT/selinux/semanage.conf"
echo pp >"$OUT/store/$C_SEL/active/modules/200/k3s/lang_ext"
printf '#!/bin/sh\n: >%s\necho "k3s version v1.31.9+k3s1 (%s)"\n' "$MARK" "$C_BIN" >"$OUT/bin/k3s"
chmod 755 "$OUT/bin/k3s"
sed "s/# $C_DB/# $C_MAN/" hcc-canary.yaml >"$OUT/manifests/traefik-config.yaml"
chmod 640 "$OUT/manifests/traefik-config.yaml"

outside_state() { canary_state "$OUT"; }
outside_state >state.before

# no_canary FILE...: none of the canary strings in any of the files
no_canary() {
	for c in $CANARIES; do
		if grep -qaF -- "$c" "$@"; then
			echo "canary '$c' in output:" >&2; grep -aF -- "$c" "$@" >&2; return 1
		fi
	done
}

# untouched: nothing outside the root changed, and the canary k3s never ran
untouched() {
	outside_state >state.after && cmp -s state.before state.after ||
		{ diff state.before state.after >&2; return 1; }
	if [ -e "$MARK" ]; then
		echo "the image's k3s binary ran" >&2; return 1
	fi
}

# run NAME CMD...: a k3sguard command (status kept in code.NAME: refusing
# is fine), 60 s at most, its output kept for no_canary.
run() {
	_n=$1; shift
	with_timeout 60 "$@" >"out.$_n" 2>"err.$_n" </dev/null && echo 0 >"code.$_n" ||
		echo $? >"code.$_n"
	case $(cat "code.$_n") in
	124|137) echo "hung: $*" >&2; return 1 ;;
	esac
}

# every_output: the commands that read the cluster's applied state, the
# SELinux checks and the K3s version, in every format.
every_output() {
	run ta k3sguard --root "$N" traefik audit &&
	run taj k3sguard --root "$N" traefik audit --format json &&
	for f in text json junit html prom; do
		run "a$f" k3sguard --root "$N" audit --format "$f" || return 1
	done &&
	run node k3sguard --root "$N" node &&
	run nodej k3sguard --root "$N" node --format json &&
	run lock k3sguard --root "$N" manifests lock &&
	run ver k3sguard --root "$N" manifests verify &&
	run verj k3sguard --root "$N" manifests verify --format json
}

# no_raw_control FILE...: no ESC, CR or other control byte (but tab and
# newline) reached any output, and no line was forged to start with PASS
no_raw_control() {
	if LC_ALL=C grep -n "$(printf '[\001-\010\013-\037\177]')" "$@" >&2; then
		echo "a raw control byte in the output" >&2; return 1
	fi
	# C1 controls (U+0080-U+009F; CSI is U+009B) as UTF-8, outside JSON
	# (a JSON string may hold them; a terminal showing text must not get them)
	if LC_ALL=C grep -n "$(printf '\302[\200-\237]')" $(ls "$@" | grep -v "j$\|json$\|^out.node$") >&2; then
		echo "a raw C1 control in the output" >&2; return 1
	fi
	if grep -n "^ *PASS  critical" "$@" >&2; then
		echo "a forged line" >&2; return 1
	fi
}

# status ID: the status of check ID in the json audit
status() { jq -r --arg id "$1" '.checks[] | select(.id == $id) | .status' out.ajson; }

# applied_unknown: traefik audit and manifests verify say the applied state
# is unknown, and no Traefik check that depends on it passes
applied_unknown() {
	jq -e '.applied.unknown == true' out.taj >/dev/null ||
		{ echo "traefik audit: the applied state is not unknown:" >&2; jq .applied out.taj >&2; return 1; }
	jq -e '.applied.state == "unknown"' out.verj >/dev/null ||
		{ echo "manifests verify: the applied state is not unknown:" >&2; jq .applied out.verj >&2; return 1; }
	for id in traefik.insecure-api traefik.dashboard traefik.host-network; do
		test "$(status "$id")" != pass ||
			{ echo "$id passes on an unknown applied state" >&2; return 1; }
	done
}

# applied_unknown_taj: traefik audit alone says the applied state is unknown
applied_unknown_taj() {
	jq -e '.applied.unknown == true' out.taj >/dev/null &&
	jq -e '[.checks[] | select(.id == "traefik.insecure-api") | .status] != ["pass"]' out.taj >/dev/null
}

# server_image: a default server whose own state.db holds a harmless HCC
server_image() {
	N=$(node_root img) &&
	mkdir -p "$N/${DB%/*}" &&
	kine "$N/$DB" put "$HCC" "$F/kine/hcc-api-insecure.yaml" >/dev/null
}

# kine_image KIND WHAT: state.db, its -wal or -journal, or the db dir made
# hostile: abs, rel (climbing) symlink, dir (the db dir a link), hard link
kine_image() {
	server_image &&
	case $2 in
	db)
		case $1 in
		abs) plant abs "$N/$DB" "$OUT/db/state.db" ;;
		rel) rm -f "$N/$DB" && ln -s "$UP${OUT#/}/db/state.db" "$N/$DB" ;;
		dir) rm -rf "$N/$S/db" && ln -s "$UP${OUT#/}/db" "$N/$S/db" ;;
		hard) plant hard "$N/$DB" "$OUT/db/state.db" ;;
		esac ;;
	wal|journal)
		case $1 in
		abs) plant abs "$N/$DB-$2" "$OUT/db/state.db-$2" ;;
		rel) ln -s "$UP${OUT#/}/db/state.db-$2" "$N/$DB-$2" ;;
		dir) mkdir -p "$N/altdb" && mv "$N/$DB" "$N/altdb/state.db" &&
		     rm -rf "$N/$S/db" && ln -s "$UP${OUT#/}/db" "$N/$S/db" ;;
		hard) plant hard "$N/$DB-$2" "$OUT/db/state.db-$2" ;;
		esac ;;
	esac
}

for walk in 0 1; do
	if [ $walk = 1 ]; then
		export K3SGUARD_GATE_WALK=1; how=walk
	else
		unset K3SGUARD_GATE_WALK; how=openat2
	fi
	for kind in abs rel dir hard; do
		for what in db wal journal; do
			test_expect_success "$how, $kind: kine state.db${what#db}, $what outside" '
				kine_image '$kind' '$what' &&
				every_output &&
				no_canary out.* err.* && untouched &&
				case '$kind','$what' in
				dir,*) jq -e ".applied.state == \"none\"" out.verj >/dev/null ;;
				*) applied_unknown ;;
				esac
			'
		done
	done
done
unset K3SGUARD_GATE_WALK

test_expect_success 'the links of the kine images do lead to the canaries (sqlite3 follows them)' '
	kine_image abs db && grep -qaF "$C_DB" "$N/$DB" &&
	kine_image rel db && grep -qaF "$C_DB" "$N/$DB" &&
	kine_image dir db && test -f "$N/$DB" &&
	kine_image hard db && test "$(stat -c %i "$N/$DB")" = "$(stat -c %i "$OUT/db/state.db")"
'

# db_dir_state: every name and sha256 below the image's db dir (a -shm or
# -wal sqlite made there would show)
db_dir_state() { (cd "$N/${DB%/*}" && find . -printf '%p %y %m %T@ %s\n' | sort &&
	find . -type f -exec sha256sum {} + | sort); }

# fifo_writer PATH: a writer blocked in open(2) on the FIFO PATH; it leaves
# $TMP/fifo-opened the moment anything opens the FIFO for reading
fifo_writer() {
	rm -f "$TMP/fifo-opened" &&
	{ timeout 60 sh -c 'exec 3>"$1"; : >"$2"' sh "$1" "$TMP/fifo-opened" & } &&
	echo $! >"$TMP/fifo-writer" &&
	at_exit "kill $(cat "$TMP/fifo-writer")"
}
fifo_not_opened() {
	sleep 0.2 &&
	kill "$(cat "$TMP/fifo-writer")" 2>/dev/null
	if [ -e "$TMP/fifo-opened" ]; then
		echo "a FIFO of the image was opened for reading" >&2; return 1
	fi
}

for what in "" -wal -journal; do
	test_expect_success "a FIFO as state.db$what: no hang, never opened for reading, unknown" '
		server_image &&
		rm -f "$N/$DB'$what'" && mkfifo "$N/$DB'$what'" &&
		fifo_writer "$N/$DB'$what'" &&
		run taj k3sguard --root "$N" traefik audit --format json &&
		fifo_not_opened &&
		fifo_writer "$N/$DB'$what'" &&
		every_output &&
		fifo_not_opened &&
		no_canary out.* err.* && untouched && applied_unknown
	'
done

test_expect_success 'a character device (/dev/zero, /dev/null) as state.db: no hang, unknown' '
	server_image &&
	rm -f "$N/$DB" && mknod "$N/$DB" c 1 5 &&
	every_output && applied_unknown &&
	rm -f "$N/$DB" && mknod "$N/$DB" c 1 3 &&
	every_output && applied_unknown && untouched
'

test_expect_success 'a huge sparse state.db: the private copy stays sparse (no disk filled), unknown' '
	server_image &&
	rm -f "$N/$DB" && truncate -s 4G "$N/$DB" &&
	mkdir -p kt && : >peak &&
	{ timeout 120 sh -c "while :; do du -sk kt >>peak 2>/dev/null; sleep 0.1; done" & } &&
	mon=$! &&
	TMPDIR=$TMP/kt run taj k3sguard --root "$N" traefik audit --format json &&
	kill $mon &&
	max=$(sort -n peak | tail -n 1 | cut -f1) &&
	echo "peak private copy: ${max:-0} KiB" &&
	test "${max:-0}" -lt 65536 &&
	jq -e ".applied.unknown == true" out.taj >/dev/null &&
	test -z "$(ls kt)"
'
if unshare -m true 2>/dev/null; then
	test_expect_success 'TMPDIR without room for the copy of state.db: refused before copying, unknown' '
		server_image && mkdir -p small &&
		{ with_timeout 60 unshare -m sh -c "mount -t tmpfs -o size=32m tmpfs small &&
		    TMPDIR=$TMP/small \"$K3SGUARD\" --root \"$N\" traefik audit --format json" \
		    >out.taj 2>err.taj || :; } &&
		jq -e ".applied.unknown == true and (.applied.state | test(\"no room in .*for a copy\"))" out.taj >/dev/null
	'
else
	test_skip 'TMPDIR without room for the copy of state.db' 'unshare -m (a private tmpfs) refused here'
fi

# A state.db made by sqlite3 with SQL (a kine table, or the trick given).
trick_db() {
	server_image && rm -f "$N/$DB" && sqlite3 "$N/$DB" "$1"
}
KINE_COLS="id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, created INTEGER, deleted INTEGER, create_revision INTEGER, prev_revision INTEGER, lease INTEGER"
ROW="INSERT INTO k(name, created, deleted, create_revision, prev_revision, lease, value, old_value) VALUES ('$HCC', 1, 0, 0, 0, 0, '{}', '')"

# traced NAME CMD...: run (as run does) under strace: the file calls in trace.NAME
traced() {
	_n=$1; shift
	with_timeout 60 strace -f -qq -e trace=%file -o "trace.$_n" "$@" >"out.$_n" 2>"err.$_n" </dev/null || :
	if grep -F "$OUT" "trace.$_n" >&2; then
		echo "a path outside the root was named to the kernel" >&2; return 1
	fi
}

test_expect_success 'state.db with a 3 MiB value, and with 20001 objects: bounded, unknown, never a pass' '
	trick_db "CREATE TABLE kine($KINE_COLS, value BLOB, old_value BLOB);
	    INSERT INTO kine(name, created, deleted, create_revision, prev_revision, lease, value, old_value)
	    VALUES ('"'"'$HCC'"'"', 1, 0, 0, 0, 0, zeroblob(3145728), '"'"''"'"')" &&
	run taj k3sguard --root "$N" traefik audit --format json && applied_unknown_taj &&
	trick_db "CREATE TABLE kine($KINE_COLS, value BLOB, old_value BLOB);
	    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20001)
	    INSERT INTO kine(name, created, deleted, create_revision, prev_revision, lease, value, old_value)
	    SELECT '"'"'/registry/traefik.io/middlewares/kube-system/m'"'"' || i, 1, 0, 0, 0, 0, '"'"'{}'"'"', '"'"''"'"' FROM n" &&
	run taj k3sguard --root "$N" traefik audit --format json && applied_unknown_taj &&
	jq -e ".applied.state | test(\"more than 20000 objects\")" out.taj >/dev/null
'

if has_cmd strace; then
	test_expect_success 'state.db whose kine is a view: unknown, nothing outside touched' '
		trick_db "CREATE TABLE k($KINE_COLS, value BLOB, old_value BLOB); $ROW;
		    CREATE VIEW kine AS SELECT * FROM k" &&
		db_dir_state >db.before &&
		traced taj k3sguard --root "$N" traefik audit --format json &&
		every_output && applied_unknown && db_dir_state >db.after && cmp db.before db.after &&
		grep -q "is not a kine database" out.taj
	'
	test_expect_success 'state.db with triggers and views that call load_extension() and attach: never run, unknown' '
		trick_db "CREATE TABLE kine($KINE_COLS, value BLOB, old_value BLOB); ${ROW/INTO k(/INTO kine(};
		    CREATE TABLE k($KINE_COLS, value BLOB, old_value BLOB);
		    CREATE TRIGGER t1 AFTER INSERT ON kine BEGIN SELECT load_extension(\"$OUT/evil.so\"); END;
		    CREATE TRIGGER t2 AFTER UPDATE ON kine BEGIN INSERT INTO k SELECT * FROM kine; END;
		    CREATE VIEW v AS SELECT load_extension(\"$OUT/evil2.so\") AS x FROM kine" &&
		db_dir_state >db.before &&
		traced taj k3sguard --root "$N" traefik audit --format json &&
		every_output && db_dir_state >db.after && cmp db.before db.after &&
		jq -e ".applied.unknown == false" out.taj >/dev/null
	'
	test_expect_success 'a state.db-journal naming a super-journal outside the root: no file outside named to the kernel' '
		trick_db "CREATE TABLE kine($KINE_COLS, value BLOB, old_value BLOB); ${ROW/INTO k(/INTO kine(}" &&
		printf "\\331\\325\\005\\371\\040\\241\\143\\327%s/super-journal" "$OUT" >"$N/$DB-journal" &&
		db_dir_state >db.before &&
		traced taj k3sguard --root "$N" traefik audit --format json &&
		every_output && db_dir_state >db.after && cmp db.before db.after &&
		jq -r .applied.state out.taj
	'
	test_expect_success 'state.db in WAL mode with its -wal: read from the private copy, no -shm in the image' '
		server_image && rm -f "$N/$DB" &&
		kine --keep-wal "$N/$DB" put "$HCC" "$F/kine/hcc-api-insecure.yaml" >/dev/null &&
		test -s "$N/$DB-wal" &&
		db_dir_state >db.before &&
		traced taj k3sguard --root "$N" traefik audit --format json &&
		every_output && db_dir_state >db.after && cmp db.before db.after &&
		jq -e ".applied.unknown == false" out.taj >/dev/null &&
		! grep -E "\"$N/?$S/db/state.db(-shm|-wal)?\"" trace.taj
	'
	test_expect_success 'a hot rollback journal beside state.db: never rolled back (read-only), unknown' '
		server_image && rm -f "$N/$DB" &&
		python3 - "$N/$DB" <<-\EOF &&
		import os, sqlite3, sys
		db = sys.argv[1]
		c = sqlite3.connect(db, isolation_level=None)
		c.execute("create table kine(id integer primary key autoincrement, name text, created int,"
		          " deleted int, create_revision int, prev_revision int, lease int, value blob, old_value blob)")
		for i in range(200):
		    c.execute("insert into kine(name, created, deleted, create_revision, prev_revision, lease,"
		              " value, old_value) values (?, 1, 0, 0, 0, 0, ?, ?)", ("/registry/x/%d" % i, b"v" * 500, b""))
		c.close()
		if os.fork() == 0:
		    c = sqlite3.connect(db, isolation_level=None)
		    c.execute("pragma cache_size = 1")
		    c.execute("begin")
		    c.execute("update kine set value = randomblob(600)")
		    os._exit(0)
		os.wait()
		EOF
		test -s "$N/$DB-journal" &&
		db_dir_state >db.before &&
		traced taj k3sguard --root "$N" traefik audit --format json &&
		every_output && applied_unknown && db_dir_state >db.after && cmp db.before db.after
	'
else
	test_skip 'sqlite tricks in state.db' 'strace is not installed'
fi

# --- datastore-endpoint naming a state.db outside the root by its path
for ep in "sqlite://$OUT/db/state.db" "sqlite:///var/$UP${OUT#/}/db/state.db" \
	"sqlite:///var/lib/../../../..$OUT/db/state.db?_journal=WAL"; do
	test_expect_success "datastore-endpoint '$ep': resolved inside the root, the canary never read" '
		N=$(node_root img) &&
		echo "datastore-endpoint: \"'"$ep"'\"" >>"$N/etc/rancher/k3s/config.yaml" &&
		every_output &&
		no_canary out.* err.* && untouched &&
		jq -e ".applied.state == \"none\"" out.verj >/dev/null
	'
done
test_expect_success 'a directory, and a socket, as state.db: not a regular file, unknown' '
	server_image && rm -f "$N/$DB" && mkdir "$N/$DB" &&
	every_output && applied_unknown &&
	rmdir "$N/$DB" &&
	python3 -c "import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])" "$N/$DB" &&
	every_output && applied_unknown && untouched
'

# --- the manifests K3s reads through links (traefik_read: gate_read_follow)
M=$S/manifests
# man_image KIND: traefik-config.yaml (or the manifests dir) made hostile
man_image() {
	N=$(node_root img) &&
	case $1 in
	abs) plant abs "$N/$M/traefik-config.yaml" "$OUT/manifests/traefik-config.yaml" ;;
	rel) ln -s "$UP${OUT#/}/manifests/traefik-config.yaml" "$N/$M/traefik-config.yaml" ;;
	dir) ln -s "$OUT/manifests" "$N/$M/sub" &&
	     ln -s "sub/traefik-config.yaml" "$N/$M/traefik-config.yaml" ;;
	dirrel) ln -s "$UP${OUT#/}/manifests" "$N/$M/sub" ;;
	hard) plant hard "$N/$M/traefik-config.yaml" "$OUT/manifests/traefik-config.yaml" ;;
	loop) ln -s b.yaml "$N/$M/traefik-config.yaml" && ln -s traefik-config.yaml "$N/$M/b.yaml" ;;
	self) ln -s traefik-config.yaml "$N/$M/traefik-config.yaml" ;;
	chain) _p=traefik-config.yaml &&
	       for i in $(seq 1 60); do ln -s "l$i.yaml" "$N/$M/$_p" && _p=l$i.yaml || return 1; done &&
	       ln -s "$OUT/manifests/traefik-config.yaml" "$N/$M/$_p" ;;
	dirloop) ln -s . "$N/$M/sub" && ln -s sub/sub/sub/sub/../../../../../../../.. "$N/$M/up" &&
	         ln -s "up/${OUT#/}/manifests/traefik-config.yaml" "$N/$M/traefik-config.yaml" ;;
	mdir) rm -rf "$N/$M" && ln -s "$UP${OUT#/}/manifests" "$N/$M" ;;
	esac
}

for walk in 0 1; do
	if [ $walk = 1 ]; then
		export K3SGUARD_GATE_WALK=1; how=walk
	else
		unset K3SGUARD_GATE_WALK; how=openat2
	fi
	for kind in abs rel dir dirrel hard loop self chain dirloop mdir; do
		test_expect_success "$how, $kind: a link in the manifests dir that K3s reads through" '
			man_image '$kind' &&
			every_output &&
			no_canary out.* err.* && untouched &&
			case '$kind' in
			dirrel|mdir) : ;;	# the link leads to nothing inside the root: no file
			*) test "$(status traefik.helmchartconfig)" != pass &&
			   test "$(status traefik.insecure-api)" != pass ;;
			esac
		'
	done
done
unset K3SGUARD_GATE_WALK

# --- the external etcd's TLS files (cluster-etcd.c, read with --live)
etcd_image() {
	N=$(node_root img) &&
	mkdir -p "$N/pem" &&
	printf 'datastore-endpoint: https://127.0.0.1:1\ndatastore-cafile: /pem/ca.crt\ndatastore-certfile: /pem/client.crt\ndatastore-keyfile: /pem/client.key\n' \
		>>"$N/etc/rancher/k3s/config.yaml" &&
	for f in ca.crt client.crt client.key; do
		case $1 in
		abs) ln -s "$OUT/pem/$f" "$N/pem/$f" ;;
		rel) ln -s "$UP${OUT#/}/pem/$f" "$N/pem/$f" ;;
		dir) rm -rf "$N/pem" && ln -s "$UP${OUT#/}/pem" "$N/pem" ;;
		hard) ln "$OUT/pem/$f" "$N/pem/$f" ;;
		esac || return 1
	done
}
for kind in abs rel dir hard; do
	test_expect_success "$kind: datastore-cafile/certfile/keyfile outside (audit --live, traefik audit --live)" '
		etcd_image '$kind' &&
		run live k3sguard --root "$N" audit --live --format json &&
		run tlive k3sguard --root "$N" traefik audit --live --format json &&
		run tlivet k3sguard --root "$N" traefik audit --live &&
		no_canary out.* err.* && untouched &&
		jq -e ".applied.unknown == true" out.tlive >/dev/null &&
		case '$kind' in
		hard) jq -e ".applied.state | test(\"pem/[a-z.]+. has 2 hard links\")" out.tlive >/dev/null &&
			# the files check does not call them present either (it passed them)
			test "$(jq -r ".checks[] | select(.id == \"etcd.tls-files\") | .status" out.live)" = fail &&
			jq -e ".checks[] | select(.id == \"etcd.tls-files\") | .evidence | test(\"has 2 hard links\")" out.live >/dev/null ;;
		esac
	'
done

# --- SELinux: /etc/selinux/config, semanage.conf store-root, labels
STORE=var/lib/selinux/targeted/active/modules
XATTR_OK=
if has_cmd setfattr && touch "$TMP/xattr-probe" &&
	setfattr -n security.selinux -v system_u:object_r:etc_t:s0 "$TMP/xattr-probe" 2>/dev/null; then
	XATTR_OK=1
fi
# sel_image: an enforcing SELinux server without the k3s module; the canary
# store outside has one (a store-root followed out would pass the module)
mkdir -p "$OUT/selstore/targeted/active/modules/200/k3s"
echo pp >"$OUT/selstore/targeted/active/modules/200/k3s/lang_ext"
outside_state >state.before
sel_image() {
	N=$(node_root img hardened-server) &&
	mkdir -p "$N/etc/selinux" "$N/var/lib/selinux/targeted/active/modules" &&
	printf 'SELINUX=enforcing\nSELINUXTYPE=targeted\n' >"$N/etc/selinux/config" &&
	echo "selinux: true" >>"$N/etc/rancher/k3s/config.yaml"
}
for kind in abs rel dir; do	# hard: below, a known bug
	test_expect_success "$kind: /etc/selinux/config outside" '
		sel_image &&
		case '$kind' in
		abs) plant abs "$N/etc/selinux/config" "$OUT/selinux/config" ;;
		rel) rm -f "$N/etc/selinux/config" && ln -s "$UP${OUT#/}/selinux/config" "$N/etc/selinux/config" ;;
		dir) rm -rf "$N/etc/selinux" && ln -s "$UP${OUT#/}/selinux" "$N/etc/selinux" ;;
		hard) plant hard "$N/etc/selinux/config" "$OUT/selinux/config" ;;
		esac &&
		every_output &&
		no_canary out.* err.* && untouched &&
		test "$(status manifests.selinux-module)" != pass
	'
done
for kind in abs rel dir updots; do
	test_expect_success "$kind: semanage.conf store-root leading outside: the module outside never counts" '
		sel_image &&
		case '$kind' in
		abs) echo "store-root = /st" >"$N/etc/selinux/semanage.conf" &&
		     ln -s "$OUT/selstore" "$N/st" ;;
		rel) echo "store-root = /st" >"$N/etc/selinux/semanage.conf" &&
		     ln -s "$UP${OUT#/}/selstore" "$N/st" ;;
		dir) echo "store-root = /a/selstore" >"$N/etc/selinux/semanage.conf" &&
		     ln -s "$UP${OUT#/}" "$N/a" ;;
		updots) echo "store-root = /var/$UP${OUT#/}/selstore" >"$N/etc/selinux/semanage.conf" ;;
		esac &&
		every_output &&
		no_canary out.* err.* && untouched &&
		test "$(status manifests.selinux-module)" = fail
	'
done
for t in .. . "../../${OUT#/}/selstore/targeted" "$OUT/selstore/targeted" "targeted/../../${OUT#/}"; do
	test_expect_success "SELINUXTYPE '$t': not a policy name, never a pass" '
		sel_image &&
		printf "SELINUX=enforcing\nSELINUXTYPE=%s\n" "'"$t"'" >"$N/etc/selinux/config" &&
		every_output && untouched &&
		test "$(status manifests.selinux-module)" = error
	'
done
if [ -n "$XATTR_OK" ]; then
	test_expect_success 'labels: a huge xattr value is unknown (error), never a pass' '
		sel_image &&
		setfattr -n security.selinux -v "system_u:object_r:container_runtime_exec_t:s0$(printf "%0300d" 0)" \
			"$N/usr/local/bin/k3s" &&
		every_output &&
		test "$(status manifests.selinux-labels)" != pass &&
		test "$(status manifests.confinement)" != pass
	'
	test_expect_success 'labels: ESC, newline and control bytes in a label and a file name are escaped in every format' '
		sel_image &&
		find "$N/var/lib/rancher/k3s" ! -type l -exec setfattr -n security.selinux \
			-v system_u:object_r:container_var_lib_t:s0 {} + &&
		setfattr -n security.selinux -v "$(printf "system_u:object_r:x\033[2J\n\r\tPASS  critical forged\001:s0")" \
			"$N/usr/local/bin/k3s" &&
		f=$(printf "$N/$M/evil\033]0;title\007\nPASS.yaml") && echo "a: b" >"$f" &&
		setfattr -n security.selinux -v "$(printf "u:r:\033[31mred\n:s0")" "$f" &&
		every_output &&
		test "$(status manifests.selinux-labels)" = fail &&
		no_raw_control out.*
	'
fi

# --- the K3s binary the running unit's ExecStart names (find_k3s_bin)
bin_image() {
	N=$(node_root img) &&
	U=$N/etc/systemd/system/k3s.service &&
	sed -i "s|^ExecStart=/usr/local/bin/k3s |ExecStart=/opt/bin/k3s |" "$U" &&
	grep -q "^ExecStart=/opt/bin/k3s" "$U" &&
	mkdir -p "$N/opt/bin" &&
	case $1 in
	abs) ln -s "$OUT/bin/k3s" "$N/opt/bin/k3s" ;;
	rel) ln -s "$UP${OUT#/}/bin/k3s" "$N/opt/bin/k3s" ;;
	dir) rm -rf "$N/opt/bin" && ln -s "$UP${OUT#/}/bin" "$N/opt/bin" ;;
	hard) ln "$OUT/bin/k3s" "$N/opt/bin/k3s" ;;
	fifo) mkfifo "$N/opt/bin/k3s" ;;
	esac
}
for kind in abs rel dir hard fifo; do
	test_expect_success "$kind: the unit's ExecStart names a K3s binary outside the root: never run, never read" '
		bin_image '$kind' &&
		every_output &&
		run fix k3sguard --root "$N" fix --dry-run &&
		run upd k3sguard --root "$N" update check &&
		no_canary out.* err.* && untouched
	'
done

# --- FIFOs where a node file is read: never opened for reading (opening a
# device node can act: a watchdog, a tape), no hang
for where in etc/selinux/config "$M/traefik-config.yaml" pem/ca.crt; do
	test_expect_success "a FIFO as /$where: never opened for reading, no hang" '
		case '$where' in
		pem/*) etcd_image abs && rm -f "$N/pem/ca.crt" ;;
		etc/selinux/*) sel_image && rm -f "$N/etc/selinux/config" ;;
		*) N=$(node_root img) ;;
		esac &&
		mkfifo "$N/'$where'" &&
		fifo_writer "$N/'$where'" &&
		every_output &&
		run live k3sguard --root "$N" audit --live --format json &&
		fifo_not_opened &&
		untouched
	'
done

# --- node values that reach output: the sqlite path of datastore-endpoint,
# the keys and Addon sources in state.db (ESC, newline, C0 controls, a
# forged PASS line, invalid UTF-8)
EVIL=$(printf 'ev\033[2J\n  PASS  critical forged\001\r\302\2332J')
# evil_kine DIR: a state.db in DIR (a node path) with an insecure HCC and
# Addons whose names and sources hold $EVIL, one key with invalid UTF-8
evil_kine() {
	mkdir -p "$N$1" &&
	kine "$N$1/state.db" put "$HCC" "$F/kine/hcc-api-insecure.yaml" \
		addon "x$EVIL" "/$M/$EVIL.yaml" hcc-canary.yaml \
		addon traefik "/$M/traefik.yaml" hcc-canary.yaml >/dev/null &&
	sqlite3 "$N$1/state.db" "UPDATE kine SET name = name || CAST(X'1b5b3331ff0a' AS TEXT) WHERE name LIKE '%addons%traefik'"
}
# escaped_everywhere: every output renders, nothing raw, no JSON field lost
escaped_everywhere() {
	every_output &&
	grep -q "applied state read from kine" out.ta &&
	jq -e '.applied.state == "read" and (.applied.source | type) == "string" and
	    (.applied.description | type) == "string" and (.applied.changes | length) == 2 and
	    all(.applied.changes[]; (.path | type) == "string" and (.addon | type) == "string")' \
		out.verj >/dev/null ||
		{ echo "manifests verify json lost a field:" >&2; jq .applied out.verj >&2; return 1; }
	jq -e '(.applied.state | startswith("applied state read from kine")) and
	    (.checks | length) == '"$(grep -c "^[a-z]\+ \+[a-z]\+ \+traefik\." out.ta)" out.taj >/dev/null ||
		{ echo "traefik audit json lost the applied state or a check" >&2; return 1; }
	for j in out.ajson out.nodej; do jq . "$j" >/dev/null || return 1; done &&
	xmllint --noout out.ajunit &&
	no_raw_control out.*
}
test_expect_success 'ESC, newline, controls in the kine path (config.yaml), keys and Addons: escaped in every output' '
	N=$(node_root img) &&
	d="/var/lib/$EVIL" && evil_kine "$d" &&
	python3 -c "import json, sys; print(\"datastore-endpoint: \" + json.dumps(\"sqlite://\" + sys.argv[1] + \"/state.db?_journal=WAL\"))" "$d" \
		>>"$N/etc/rancher/k3s/config.yaml" &&
	escaped_everywhere
'
test_expect_success 'invalid UTF-8 and ESC in the kine path (K3S_DATASTORE_ENDPOINT): escaped, no JSON field lost' '
	N=$(node_root img) &&
	d="/var/lib/$(printf "u\377\033[2Jv")" && evil_kine "$d" &&
	printf "K3S_DATASTORE_ENDPOINT=sqlite://%s/state.db\n" "$d" >>"$N/etc/systemd/system/k3s.service.env" &&
	escaped_everywhere
'

# Bugs that were outside this suite's code when it was written (src/node,
# src/checks/check-selinux.c, src/cmd/node.c), fixed since.
known() { test_expect_success "$1" "$3"; }
known "a hard link as /etc/selinux/config: not read" \
	"check-selinux.c read_config() reads it with gate_read() and no link count check" '
	sel_image && plant hard "$N/etc/selinux/config" "$OUT/selinux/config" &&
	every_output &&
	no_canary out.* err.* && untouched &&
	test "$(status manifests.selinux-enforcing)" != pass
'
known "a hard link as the K3s binary: its bytes are not read for the version" \
	"node-version.c open_k3s_bin() has no link count check" '
	bin_image hard &&
	run nodej k3sguard --root "$N" node --format json &&
	! grep -q "v1.31.9+k3s1" out.nodej
'
known "a FIFO as the K3s binary: never opened for reading" \
	"node-version.c open_k3s_bin() and check-selinux.c judge() open before looking at the type" '
	bin_image fifo &&
	fifo_writer "$N/opt/bin/k3s" &&
	every_output &&
	fifo_not_opened
'
known "a C1 control (U+009B, CSI) in the datastore-endpoint: escaped in 'node' text" \
	"src/cmd/node.c shows node values with buf_add_printable() (core/buf.c), which passes U+0080-U+009F and invalid UTF-8 through" '
	N=$(node_root img) &&
	printf "K3S_DATASTORE_ENDPOINT=sqlite:///var/lib/a\302\2332Jb/state.db\n" >>"$N/etc/systemd/system/k3s.service.env" &&
	run node k3sguard --root "$N" node &&
	! LC_ALL=C grep -n "$(printf "\302[\200-\237]")" out.node
'

test_done
