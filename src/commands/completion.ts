// berth completion bash|zsh|fish: prints a script that completes commands, options, rooms and container names.
import type { CommandModule } from 'yargs';
import { UsageError } from '../runtime/core/index.js';
import type { Args, GlobalArgs } from './context.js';

// Each script asks `berth __complete -- WORDS...` (one candidate a line); its stderr goes nowhere, so a slow or
// unreachable engine never prints into the prompt.
const SCRIPTS: Record<string, string> = {
  bash: `# berth completion for bash: eval "$(berth completion bash)" in ~/.bashrc
_berth_complete() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" IFS=$'\\n'
  COMPREPLY=($(compgen -W "$(berth __complete -- "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)" -- "$cur"))
}
complete -o default -F _berth_complete berth
`,
  zsh: `#compdef berth
# berth completion for zsh: eval "$(berth completion zsh)" in ~/.zshrc (after compinit), or save as _berth in $fpath
_berth() {
  local -a candidates
  candidates=("\${(@f)$(berth __complete -- "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  compadd -a candidates
}
if [[ "\${zsh_eval_context[-1]}" == loadautofunc ]]; then _berth "$@"; else compdef _berth berth; fi
`,
  fish: `# berth completion for fish: berth completion fish > ~/.config/fish/completions/berth.fish
function __berth_complete
    set -l tokens (commandline -opc) (commandline -ct)
    berth __complete -- $tokens[2..-1] 2>/dev/null
end
complete -c berth -f -a '(__berth_complete)'
`,
};

export const completionCommand: CommandModule<GlobalArgs, Args<{ shell: string }>> = {
  command: 'completion <shell>',
  describe: 'Print a shell completion script (bash, zsh or fish): commands, options, rooms and container names',
  builder: (y) => y.positional('shell', { type: 'string', demandOption: true, describe: 'bash, zsh or fish' }) as never,
  handler: ({ ctx, shell }) => {
    const script = SCRIPTS[shell];
    if (!script) throw new UsageError(`invalid shell "${shell}": use bash, zsh or fish`);
    ctx.io.stdout.write(script);
  },
};
