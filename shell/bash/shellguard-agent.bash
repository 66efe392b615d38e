# shellguard agent guard for bash (BASH_ENV): blocks what would need a person's yes in
# an agent's `bash -c`. Source this file, do not eval it. Notes at the end; the file is
# read in stages (bash copies and frees everything it parses, so start-up cost follows
# the size of what is read): the checks and the trap at start, the per-command rules at
# the first command that is not trivial, the co-process when a command needs Python.
if [[ -z ${__shellguard_stage-} ]]; then
  [[ -n ${BASH_EXECUTION_STRING+set} && $- != *i* ]] || return 0
  case ${SHELLGUARD_MODE-} in
    agent) ;;
    off) return 0 ;;
    *) [[ ${CLAUDECODE-} == 1 || ${GEMINI_CLI-} == 1 || -n ${CODEX_THREAD_ID-} ||
          -n ${CODEX_SANDBOX-} || -n ${CODEX_SANDBOX_NETWORK_DISABLED-} ||
          ${CURSOR_AGENT-} == 1 || ${GOOSE_TERMINAL-} == 1 || -n ${AI_AGENT-} ]] || return 0 ;;
  esac
  [[ -n ${_SHELLGUARD_AGENT-} && -z ${SHELLGUARD_AGENT_NESTED-} ]] && return 0
  [[ -n ${__shellguard_top-} ]] && return 0
  if (( BASH_VERSINFO[0] < 4 || (BASH_VERSINFO[0] == 4 && BASH_VERSINFO[1] < 1) )); then
    printf 'shellguard: the agent guard needs bash 4.1 or newer (this is %s); commands are not checked\n' \
      "$BASH_VERSION" >&2
    return 0
  fi
fi
if [[ -z ${__shellguard_stage-} ]]; then
  export _SHELLGUARD_AGENT=$$
  readonly __shellguard_top=$BASHPID __shellguard_file=${BASH_SOURCE[0]}
  readonly __shellguard_python=${_SHELLGUARD_PYTHON:-python3}
  readonly __shellguard_timeout=${SHELLGUARD_AGENT_TIMEOUT:-10}
  declare -gA __shellguard_cache=()
  __shellguard_rules='' __shellguard_co=''

  __shellguard_debug() {
    [[ ${FUNCNAME[1]-} == __shellguard_* ]] && return 0
    [[ -n ${__shellguard_cache[$PWD$'\x1f'$BASH_COMMAND]-} ]] && return 0
    # Being sourced: this file (its later stages; `source` in a trap handler runs the
    # trap again), or Claude Code's snapshot of the user's shell.
    if [[ ${FUNCNAME[1]-} == source ]]; then
      [[ ${BASH_SOURCE[1]-} == "$__shellguard_file" || ${BASH_SOURCE[1]-} == */.claude/shell-snapshots/* ]] &&
        return 0
    fi
    case $BASH_COMMAND in true | false | : | exit | 'exit '[0-9]* | 'return 0') return 0 ;; esac
    [[ -n $__shellguard_rules ]] || __shellguard_load rules
    __shellguard_miss "$BASH_COMMAND"
  }

  __shellguard_load() {
    local __shellguard_stage=$1
    # shellcheck source=/dev/null
    source "$__shellguard_file"  # no redirection: `return` in it would make one permanent
    if [[ -z ${__shellguard_rules} || ( $1 == co && -z $__shellguard_co ) ]]; then
      printf 'shellguard: blocked (cannot read %s; run '"'shellguard doctor'"'): %s\n' \
        "$__shellguard_file" "$BASH_COMMAND" >&2
      if (( BASHPID != __shellguard_top )); then kill -USR2 "$__shellguard_top" 2>/dev/null; fi
      exit 126
    fi
  }

  readonly -f __shellguard_debug __shellguard_load
  trap 'exit 126' USR2
  set -o functrace
  trap __shellguard_debug DEBUG
  return 0
fi
if [[ $__shellguard_stage == rules ]]; then
  __shellguard_block() {  # class, reason, command
    printf 'shellguard: blocked %s (%s): %s\n' "$1" "$2" "$3" >&2
    if (( BASHPID != __shellguard_top )); then kill -USR2 "$__shellguard_top" 2>/dev/null; fi
    exit 126
  }

  __shellguard_miss() {
    local cmd=$1 plain w
    case $cmd in
      "trap __shellguard_debug DEBUG") return 0 ;;  # note 7
      *__shellguard* | *SHELLGUARD*)
        __shellguard_block UPDATE "changes shellguard's own guard" "$cmd" ;;
    esac
    __shellguard_framing "$cmd" && return 0
    plain=${cmd// 2> \/dev\/null/}
    plain=${plain// > \/dev\/null/}
    plain=${plain// 2>&1/}
    plain=${plain// >&2/}
    # shellcheck disable=SC2016  # literal patterns
    case $plain in
      *'$('* | *'`'* | *'>'* | *'<('* | *';'* | *'&'* | *'|'* | *$'\n'*) ;;
      *)
        w=${plain%%[[:space:]]*}
        if __shellguard_word "$w" "$plain"; then
          __shellguard_cache[$PWD$'\x1f'$cmd]=1
          return 0
        fi ;;
    esac
    [[ -n $__shellguard_co ]] || __shellguard_load co
    __shellguard_check "$cmd"
  }

  __shellguard_word() {
    local rest=${2#"$1"}
    case $1 in
      true | false | : | echo | test | '[' | '[[' | '(('* | pwd | cd | ls | cat | head | tail | \
      wc | grep | egrep | fgrep | rg | which | type | basename | dirname | realpath | readlink | \
      stat | du | df | diff | cmp | cut | tr | seq | sleep | expr | id | whoami | uname | \
      nproc | printenv | exit | return | break | continue | shift | wait | for | case | \
      select | eval | source | . | shopt | jobs | tty | locale) return 0 ;;
      printf) [[ $rest != *-v* ]] ;;
      set) [[ $rest != *functrace* && $rest != *errtrace* && $rest != *+*T* ]] ;;
      command) [[ $rest == \ -[vV]* ]] ;;
      git)
        rest=${rest#"${rest%%[![:space:]]*}"}
        case ${rest%%[[:space:]]*} in
          status | log | diff | show | rev-parse | ls-files | blame | describe | shortlog | \
          grep | ls-tree | cat-file | merge-base | symbolic-ref)
            [[ $rest != *--output* && $rest != *--ext-diff* ]] ;;
          *) return 1 ;;
        esac ;;
      *=*) [[ $2 =~ ^([A-Za-z_][A-Za-z0-9_]*=([^[:space:]\"\']|\"[^\"]*\"|\'[^\']*\')*[[:space:]]*)+$ ]] ;;
      *) declare -F -- "$1" >/dev/null ;;
    esac
  }

  # Claude Code's and Gemini CLI's framing around the agent's command (source the
  # snapshot; write the final directory or the process list to a temporary file; eval of
  # one single-quoted string, whose commands come through the trap one by one), and an
  # agent's own hook run through bash. Paths must be one plain word.
  __shellguard_framing() {
    local path=$1 re="^eval '([^']|'\\\\'')*'( < /dev/null)?\$"
    case $1 in
      "source "*/.claude/shell-snapshots/snapshot-* | "pwd -P >| "*/claude-*-cwd | \
      "pgrep -g 0 > "*/shell_pgrep_*.tmp" 2>&1")
        path=${path#source }
        path=${path#pwd -P >| }
        path=${path#pgrep -g 0 > }
        path=${path% 2> /dev/null}
        path=${path% 2>&1}
        [[ $path != *[[:space:]\;\&\|\`\$\<\>\(\)\'\"]* ]] ;;
      "eval '"*) [[ $1 =~ $re ]] ;;
      *" -m shellguard.agents claude-code" | *" -m shellguard.agents codex" | \
      *" -m shellguard.agents gemini")
        [[ $1 != *[\;\&\|\`\$\<\>]* ]] ;;
      *) return 1 ;;
    esac
  }

  readonly -f __shellguard_block __shellguard_miss __shellguard_word __shellguard_framing
  __shellguard_rules=1
  return 0
fi

# ---- the co-process (read when a command needs Python) ----------------------------------
#
#   shellguard init bash --agent > ~/.config/shellguard/agent.bash
#   export BASH_ENV=~/.config/shellguard/agent.bash     # in ~/.profile or ~/.bashrc
#
# Every simple command of an agent's `bash -c` goes through the DEBUG trap above.
# Nobody is there to answer a question, so whatever policy would ask about (and
# whatever it denies) is blocked: the shell prints
#   shellguard: blocked DELETE (rm: removes files or directories): rm -rf build
# and exits 126; nothing after it runs.
#
# Active only when asked for, never guessed from a missing terminal (field notes
# 5.2.7): SHELLGUARD_MODE=agent, or an agent's own marker (CLAUDECODE=1, GEMINI_CLI=1,
# CODEX_THREAD_ID / CODEX_SANDBOX, CURSOR_AGENT=1, GOOSE_TERMINAL=1, AI_AGENT).
# SHELLGUARD_MODE=off turns it off. SHELLGUARD_AGENT_TIMEOUT: seconds to wait for the
# classifier (default 10). SHELLGUARD_AGENT_NESTED=1: guard nested `bash -c` too (by
# default the outer guard has judged the command that started them; the classifier
# looks inside bash -c strings). Names: __shellguard_* (functions and state),
# _SHELLGUARD_AGENT (exported: pid of the guarded shell).
#
# Per command: allowed at once when decided before in this directory (loops repeat the
# same unexpanded text) or trivial; otherwise the rules stage decides obviously read-only
# commands (a table of first words: one simple command, no redirection to a file, no
# $( ), backquote, ; & | or newline; eval and source are fine, what they run is traced);
# the rest goes to the classifier, started lazily. Cost: bench/agent_shell.py.
#
# What broke a first version, and what this file does (field notes 5.2):
# 1. `shopt -s extdebug` in BASH_ENV starts the bash debugger: not used; `set -o
#    functrace` carries the trap into functions, $( ) and ( ), and exit stops a command.
# 2. The co-process inherits the trap: a __shellguard_* function drops the trap and
#    BASH_ENV before exec; commands of __shellguard_* functions are never checked.
# 3. BASH_ENV reaches every bash script (pyenv shims are bash scripts): only `bash -c`
#    is guarded, and only the outermost one unless SHELLGUARD_AGENT_NESTED is set.
# 4. Skipping is not failing: a blocked command exits the shell with 126; inside a
#    subshell or $( ) the top shell is told (SIGUSR2) and exits 126 as well.
# 5. Tampering: `trap - DEBUG`, `set +T`, `unset -f` go to the classifier, which flags
#    them; any command naming __shellguard*/SHELLGUARD is blocked here; the functions
#    are `readonly -f` (bash does not show function definitions to the DEBUG trap).
# 6. Not a sandbox: `sh -c` (dash), `env -u BASH_ENV`, interpreters and scripts are not
#    seen. It is a seatbelt against mistakes.
# 7. Inside a signal trap (our USR2) BASH_COMMAND is the command that was running,
#    which can be this file's trap line; setting our own trap again is harmless.
# Also allowed without Python: Claude Code's framing (source of its shell snapshot, and
# everything the snapshot runs while it is sourced; pwd -P >| CWDFILE), Gemini CLI's
# (pgrep -g 0 > FILE 2>&1), and an agent hook of shellguard's run through bash.

__shellguard_pid='' __shellguard_in='' __shellguard_out='' __shellguard_seq=0
__shellguard_class='' __shellguard_action='' __shellguard_reason=''

# JSON string body of $1 in REPLY (backslash, quote, control characters).
__shellguard_json() {
  local s=${1//\\/\\\\} out='' c i
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\t'/\\t}
  s=${s//$'\r'/\\r}
  if [[ $s == *[$'\x01'-$'\x1f\x7f']* ]]; then
    for (( i = 0; i < ${#s}; i++ )); do
      c=${s:i:1}
      case $c in [$'\x01'-$'\x1f\x7f']) printf -v c '\\u%04x' "'$c" ;; esac
      out+=$c
    done
    s=$out
  fi
  REPLY=$s
}

# Runs inside the coproc: no trap, no BASH_ENV, so neither the classifier nor anything
# it starts is guarded (field notes 5.2.2).
__shellguard_serve() {
  trap - DEBUG
  set +o functrace
  unset BASH_ENV _SHELLGUARD_AGENT
  # Nothing but its pipes: a pipeline's write end inherited here would keep the reader
  # of that pipeline waiting for EOF as long as the classifier lives.
  local fd
  for fd in /dev/fd/*; do
    fd=${fd##*/}
    if (( fd > 2 )); then exec {fd}>&-; fi
  done 2>/dev/null
  local log=${XDG_STATE_HOME:-$HOME/.local/state}/shellguard
  if [[ -d $log && -w $log ]]; then log+=/agent-shell.log; else log=/dev/null; fi
  exec "$__shellguard_python" -m shellguard serve --pad 256 2>>"$log"
}

# No redirection on calls of this function: an `exec` inside a function called with
# `2>/dev/null` makes that redirection permanent, and our messages would be lost.
__shellguard_start() {
  __shellguard_stop
  coproc __SHELLGUARD_CO { __shellguard_serve; }
  __shellguard_pid=$__SHELLGUARD_CO_PID
  # Our own close-on-exec copies: the coproc's fds are unusable in ( ) subshells.
  exec {__shellguard_in}>&"${__SHELLGUARD_CO[1]}" {__shellguard_out}<&"${__SHELLGUARD_CO[0]}"
}

__shellguard_stop() {
  if [[ -n $__shellguard_in ]]; then exec {__shellguard_in}>&-; fi
  if [[ -n $__shellguard_out ]]; then exec {__shellguard_out}<&-; fi
  if [[ -n $__shellguard_pid ]]; then
    kill "$__shellguard_pid" 2>/dev/null
    wait "$__shellguard_pid" 2>/dev/null  # reaped, so a new coproc does not warn
  fi
  __shellguard_in='' __shellguard_out='' __shellguard_pid=''
}

# One round trip: $1 command, $2 optional answer (for the audit log). Sets
# __shellguard_class/_action/_reason; returns 1 if the classifier did not answer in time.
__shellguard_ask() {
  local line='' rest req
  if [[ -z $__shellguard_pid ]] || ! kill -0 "$__shellguard_pid" 2>/dev/null; then
    __shellguard_start || return 1
  fi
  __shellguard_json "$1"
  req="{\"id\":$(( ++__shellguard_seq )),\"command\":\"$REPLY\""
  __shellguard_json "$PWD"
  req+=",\"cwd\":\"$REPLY\",\"shell\":\"agent-shell\"${2:+,\"answer\":\"$2\"}}"
  # A dead co-process must not take the shell with it (SIGPIPE; field notes 4.2).
  trap '' PIPE
  printf '%s\n' "$req" 1>&"$__shellguard_in" 2>/dev/null
  trap - PIPE
  # The timeout only on the first byte (read -t costs ~0.2 ms for more); the rest in
  # 256-byte blocks (serve --pad 256: a line would be read one byte per system call).
  if IFS= read -r -t "$__shellguard_timeout" -N 1 -u "$__shellguard_out" line 2>/dev/null; then
    while [[ $line != *$'\n' ]] &&
          IFS= read -r -N $(( 256 - ${#line} % 256 )) -u "$__shellguard_out" rest 2>/dev/null; do
      line+=$rest
    done
  fi
  if [[ $line != "{\"id\":$__shellguard_seq,"*$'\n' ]]; then
    __shellguard_stop  # out of step after a timeout: never reuse it
    return 1
  fi
  [[ $line =~ \"classification\":\"([A-Z]+)\" ]] && __shellguard_class=${BASH_REMATCH[1]}
  [[ $line =~ \"action\":\"([a-z]+)\" ]] && __shellguard_action=${BASH_REMATCH[1]}
  if [[ $line =~ \"reasoning\":\"(([^\"\\]|\\.)*)\" ]]; then
    __shellguard_reason=${BASH_REMATCH[1]//\\\"/\"}
    printf -v __shellguard_reason '%b' "$__shellguard_reason"
  fi
  return 0
}

# Ask the classifier; allow (and remember) or block.
__shellguard_check() {
  local cmd=$1
  if ! __shellguard_ask "$cmd"; then
    __shellguard_block UNKNOWN "the classifier did not answer; run 'shellguard doctor'" "$cmd"
  fi
  if [[ $__shellguard_action == allow ]]; then
    __shellguard_cache[$PWD$'\x1f'$cmd]=1
    return 0
  fi
  # A confirm decision is logged with its answer (blocked); deny decisions log themselves.
  [[ $__shellguard_action == confirm ]] && __shellguard_ask "$cmd" blocked
  __shellguard_block "$__shellguard_class" "$__shellguard_reason" "$cmd"
}

readonly -f __shellguard_json __shellguard_serve __shellguard_start __shellguard_stop \
  __shellguard_ask __shellguard_check
__shellguard_co=1
