// Shell completion scripts, generated from the verb table so they offer exactly what the
// parser accepts. App names are completed from the running wharf (`wharf status -o json`).
import type { Verb } from './verb.js';

const APP_ARG = /^\[?APP\b/;

function flagsOf(verb: Verb): string[] {
  const flags = ['--help'];
  for (const [name, option] of Object.entries(verb.options)) {
    flags.push(`--${name}`);
    if (option.short) flags.push(`-${option.short}`);
  }
  return flags;
}

export function bashCompletion(verbs: readonly Verb[]): string {
  const cases = verbs
    .map((verb) => {
      const words = [...flagsOf(verb), ...(verb.completions ?? [])].join(' ');
      const apps = APP_ARG.test(verb.args) ? ' $(_wharf_apps)' : '';
      const files = verb.name === 'import' ? '\n      COMPREPLY+=($(compgen -f -- "$cur"))' : '';
      return `    ${verb.name})\n      COMPREPLY=($(compgen -W "${words}${apps}" -- "$cur"))${files}\n      ;;`;
    })
    .join('\n');
  return `# wharf bash completion. Load it with: source <(wharf completion bash)
_wharf_apps() {
  wharf status -o json 2>/dev/null | node -e 'let t="";process.stdin.on("data",c=>t+=c).on("end",()=>{try{console.log(JSON.parse(t).apps.map(a=>a.name).join(" "))}catch{}})'
}
_wharf() {
  local cur prev verb
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W "${verbs.map((v) => v.name).join(' ')} --version --help" -- "$cur"))
    return
  fi
  case "$prev" in
    -c|--config) COMPREPLY=($(compgen -f -- "$cur")); return ;;
  esac
  verb="\${COMP_WORDS[1]}"
  case "$verb" in
${cases}
  esac
}
complete -F _wharf wharf
`;
}

export function zshCompletion(verbs: readonly Verb[]): string {
  const describe = verbs.map((verb) => `    '${verb.name}:${verb.summary.split(/[.;:]/)[0]!.replace(/'/g, "'\\''")}'`).join('\n');
  const cases = verbs
    .map((verb) => {
      const words = [...flagsOf(verb), ...(verb.completions ?? [])].join(' ');
      const apps = APP_ARG.test(verb.args) ? ' ${(z)$(_wharf_apps)}' : '';
      return `    ${verb.name}) compadd -- ${words}${apps} ;;`;
    })
    .join('\n');
  return `#compdef wharf
# wharf zsh completion. Load it with: source <(wharf completion zsh)
_wharf_apps() {
  wharf status -o json 2>/dev/null | node -e 'let t="";process.stdin.on("data",c=>t+=c).on("end",()=>{try{console.log(JSON.parse(t).apps.map(a=>a.name).join(" "))}catch{}})'
}
_wharf() {
  local -a verbs
  verbs=(
${describe}
  )
  if (( CURRENT == 2 )); then
    _describe 'wharf command' verbs
    return
  fi
  case "$words[CURRENT-1]" in
    -c|--config) _files; return ;;
  esac
  case "$words[2]" in
${cases}
  esac
  [[ "$words[2]" == import ]] && _files
}
compdef _wharf wharf
`;
}
