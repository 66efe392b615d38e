# shellguard for oh-my-zsh, zinit, antidote: loads what `shellguard init zsh` prints (or the body beside this file).
if (( ${+commands[shellguard]} )); then eval "$(shellguard init zsh)"; else source "${0:A:h}/shellguard.zsh"; fi
