# SPDX-License-Identifier: Apache-2.0
# fish completion for k3sguard(1).  As the bash and zsh ones: commands, verbs
# and options come from k3sguard's own --help, the formats of a command from
# its own refusal of one it does not take (format_arg), so nothing is
# offered that the installed binary refuses.

function __k3sguard_path
	# the command path so far: words that are not options nor global values
	set -l words (commandline -opc)
	set -l skip 0
	for w in $words[2..-1]
		if test $skip = 1
			set skip 0
			continue
		end
		switch $w
			case --root --data-dir --config --k3s-bin --k3s-version
				set skip 1
			case '-*'
			case '*'
				echo $w
		end
	end
end

function __k3sguard_help
	set -l bin (commandline -opc)[1]
	$bin $argv --help 2>&1
end

function __k3sguard_complete
	set -l bin (commandline -opc)[1]
	set -l prev (commandline -opc)[-1]
	set -l cur (commandline -ct)
	set -l path (__k3sguard_path)
	switch $prev
		case --root --data-dir --unit-dir --dir
			__fish_complete_directories $cur
			return
		case --config --k3s-bin --nft --from-json --lock --key --cacert --cert --output -o --waivers --diff
			__fish_complete_path $cur
			return
		case --format
			$bin $path --format '?' 2>&1 >/dev/null | sed -n "s/.*--format: '?' is not //p" | sed 's/,\| or / /g' | string split ' ' | string match -rv '^$'
			return
		case --color
			printf '%s\n' auto always never
			return
		case --strategy
			printf '%s\n' etcd server-token agent-token manifests traefik updates
			return
		case --fail-on
			printf '%s\n' low medium high critical
			return
	end
	if string match -q -- '-*' $cur
		begin
			__k3sguard_help $path | sed -n -e '/^usage:/,/^$/{/^usage:\|^ \{5,\}[[-]\|^ *k3sguard /p}' -e 's/^ \{2,4\}\(-[a-zA-Z], \)\{0,1\}\(--[a-z][a-z0-9-]*\)\( [^ ]*\)\{0,1\}  .*/ \2 /p' | grep -o -- '--[a-z][a-z0-9-]*'
			if test (count $path) -eq 0
				__k3sguard_help | sed -n '/^global options/,/^$/s/^  \(--[a-z][a-z0-9-]*\).*/\1/p'
				echo --version
			end
			__k3sguard_help $path >/dev/null; and echo --help
		end | sort -u
		return
	end
	set -l verbs (__k3sguard_help $path | sed -n '/^\(commands\|verbs\):$/,/^$/s/^  \([a-z][a-z0-9-]*\) .*/\1/p')
	if test (count $path) -eq 0
		printf '%s\n' $verbs help
		return
	end
	if test (count $verbs) -gt 0; and test (count $path) -le 2
		printf '%s\n' $verbs
		return
	end
	__fish_complete_path $cur
end

complete -c k3sguard -f -a '(__k3sguard_complete)'
