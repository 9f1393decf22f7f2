# bash completion for herald(1)
_herald()
{
	local cur prev cmd i
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	local cmds="list search show why feeds topics export parse status refresh reload db rm help"
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-f|--db|--format) ((i++)) ;;
		-*) ;;
		*) cmd=${COMP_WORDS[i]}; break ;;
		esac
	done
	case $prev in
	-f|--db|-o|--output) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	--format)
		if [[ $cmd == export ]]; then
			COMPREPLY=($(compgen -W "atom json" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "table json tsv csv" -- "$cur"))
		fi
		return ;;
	--since|--until) COMPREPLY=($(compgen -W "24h 7d" -- "$cur")); return ;;
	esac
	case $cmd in
	"") COMPREPLY=($(compgen -W "$cmds -f --db --format --help --version" -- "$cur")) ;;
	list) COMPREPLY=($(compgen -W "--topic --feed --since --until --limit --format --help" -- "$cur")) ;;
	export) COMPREPLY=($(compgen -W "--topic --format --since --until --limit -o --help" -- "$cur")) ;;
	feeds)
		if [[ $prev == import ]]; then
			COMPREPLY=($(compgen -f -- "$cur"))
		else
			COMPREPLY=($(compgen -W "list add remove import export --name --interval --format --help" -- "$cur"))
		fi ;;
	topics) COMPREPLY=($(compgen -W "list check test retag --dry-run --help" -- "$cur")) ;;
	db) COMPREPLY=($(compgen -W "check prune vacuum --help" -- "$cur")) ;;
	status|refresh|reload) COMPREPLY=($(compgen -W "--timeout --help" -- "$cur")) ;;
	parse) COMPREPLY=($(compgen -f -- "$cur")) ;;
	help) COMPREPLY=($(compgen -W "$cmds" -- "$cur")) ;;
	*) COMPREPLY=($(compgen -W "--help" -- "$cur")) ;;
	esac
}
complete -F _herald herald
