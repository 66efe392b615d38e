# shellguard agent guard for zsh (.zshenv): blocks what would need a person's yes in an
# agent's `zsh -c`. Source this file from .zshenv, do not eval it. Notes at the end; the
# file is read in stages: the checks and the trap at start, the per-command rules at the
# first command that is not trivial, the co-process when a command needs Python.
if [[ -z ${_SHELLGUARD_AGENT_STAGE-} ]]; then
  [[ -n ${ZSH_EXECUTION_STRING-} && ! -o interactive ]] || return 0
  case ${SHELLGUARD_MODE-} in
    agent) ;;
    off) return 0 ;;
    *) [[ ${CLAUDECODE-} == 1 || ${GEMINI_CLI-} == 1 || -n ${CODEX_THREAD_ID-} ||
          -n ${CODEX_SANDBOX-} || -n ${CODEX_SANDBOX_NETWORK_DISABLED-} ||
          ${CURSOR_AGENT-} == 1 || ${GOOSE_TERMINAL-} == 1 || -n ${AI_AGENT-} ]] || return 0 ;;
  esac
  [[ -n ${_SHELLGUARD_AGENT-} && -z ${SHELLGUARD_AGENT_NESTED-} ]] && return 0
  (( ${+functions[_shellguard_agent_debug]} )) && return 0
fi
if [[ -z ${_SHELLGUARD_AGENT_STAGE-} ]]; then
  export _SHELLGUARD_AGENT=$$
  typeset -gr _SHELLGUARD_AGENT_FILE=${${(%):-%x}:A}
  typeset -gr _SHELLGUARD_AGENT_PYTHON=${_SHELLGUARD_PYTHON:-python3}
  typeset -gr _SHELLGUARD_AGENT_TIMEOUT=${SHELLGUARD_AGENT_TIMEOUT:-10}
  typeset -gA _SHELLGUARD_AGENT_CACHE

  # The DEBUG trap, before each sublist: return to allow; a block exits 126.
  _shellguard_agent_debug() {
    emulate -L zsh  # whatever options the command set, our patterns mean what they say
    # Startup files (.zprofile, .zlogin) run before the -c string; our own code; Claude
    # Code's snapshot of the user's shell while it is sourced; decided before here.
    [[ ${zsh_eval_context[1]} == cmdarg ]] || return 0
    [[ ${funcstack[2]-} == (_shellguard_agent_*|*/.claude/shell-snapshots/*) ||
       ${funcstack[2]-} == $_SHELLGUARD_AGENT_FILE ]] && return 0
    (( ${+_SHELLGUARD_AGENT_CACHE[$PWD$'\x1f'$ZSH_DEBUG_CMD]} )) && return 0
    [[ $ZSH_DEBUG_CMD == (true|false|:|exit|exit\ [0-9]*) ]] && return 0
    (( ${+functions[_shellguard_agent_miss]} )) || _shellguard_agent_load rules
    _shellguard_agent_miss $ZSH_DEBUG_CMD
  }

  _shellguard_agent_load() {
    local _SHELLGUARD_AGENT_STAGE=$1
    source $_SHELLGUARD_AGENT_FILE
    if (( ! ${+functions[_shellguard_agent_miss]} )) ||
       { [[ $1 == co ]] && (( ! ${+functions[_shellguard_agent_check]} )); }; then
      print -r -u2 -- "shellguard: blocked (cannot read $_SHELLGUARD_AGENT_FILE; run 'shellguard doctor'): $ZSH_DEBUG_CMD"
      (( ZSH_SUBSHELL )) && kill -USR2 $$ 2>/dev/null
      exit 126
    fi
  }

  trap 'exit 126' USR2
  trap '_shellguard_agent_debug' DEBUG
  return 0
fi
if [[ $_SHELLGUARD_AGENT_STAGE == rules ]]; then
  _shellguard_agent_block() {  # class, reason, command
    print -r -u2 -- "shellguard: blocked $1 ($2): $3"
    # In ( ) or $( ), exit leaves only the subshell: the top shell's USR2 trap exits 126.
    (( ZSH_SUBSHELL )) && kill -USR2 $$ 2>/dev/null
    exit 126
  }

  _shellguard_agent_miss() {
    emulate -L zsh
    local cmd=$1 low=${${1:l}//_/}
    if [[ $cmd == *(_shellguard_agent|SHELLGUARD|TRAPDEBUG)* || $low == *debugbeforecmd* ]]; then
      _shellguard_agent_block UPDATE "changes shellguard's own guard" $cmd
    fi
    # Claude Code's framing, at the top of the -c string only: source SNAPSHOT || true &&
    # ... && eval 'COMMAND' < /dev/null && pwd -P >| CWDFILE. The command inside eval
    # comes through this trap again on its own.
    if [[ ${zsh_eval_context[2]} == trap ]] &&  # (cmdarg trap ...): not in eval, file or function
       [[ $cmd == 'source '*/.claude/shell-snapshots/snapshot-*' eval '*' && pwd -P >| '*/claude-*-cwd ]]; then
      return 0
    fi
    # eval of one single-quoted string: its commands come through this trap one by one.
    local re="^eval '([^']|'\\\\'')*'( < /dev/null)?\$"
    [[ $cmd =~ $re ]] && return 0
    if _shellguard_agent_fast $cmd; then
      _SHELLGUARD_AGENT_CACHE[$PWD$'\x1f'$cmd]=1
      return 0
    fi
    (( ${+functions[_shellguard_agent_check]} )) || _shellguard_agent_load co
    _shellguard_agent_check $cmd
  }

  # Obviously read-only: each part of `a && b || c | d` starts with a read-only word, and
  # there is no redirection to a file, $( ), backquote, process substitution, ; & ( ) or newline.
  _shellguard_agent_fast() {
    emulate -L zsh
    setopt extendedglob
    local cmd=$1 part w rest
    cmd=${cmd// 2> \/dev\/null/}
    cmd=${cmd// > \/dev\/null/}
    cmd=${cmd// 2>&1/}
    cmd=${cmd// >&2/}
    [[ $cmd == *('$('|'`'|'>'|'<('|';'|'('|')'|'{'|'}'|$'\n')* ]] && return 1
    cmd=${cmd//'&&'/'|'}
    cmd=${cmd//'||'/'|'}
    [[ $cmd == *'&'* ]] && return 1
    for part in ${(s:|:)cmd}; do
      part=${part##[[:space:]]#}
      w=${part%%[[:space:]]*}
      rest=${part#$w}
      case $w in
        true|false|:|echo|print|test|'['|'[['|pwd|cd|ls|cat|head|tail|wc|grep|egrep|fgrep|rg|\
        which|whence|where|type|basename|dirname|realpath|readlink|stat|du|df|diff|cmp|cut|tr|\
        seq|sleep|expr|id|whoami|uname|nproc|printenv|exit|return|break|continue|shift|wait|\
        eval|source|.|local|read|jobs|tty|locale|getconf) ;;
        printf) [[ $rest != *-v* ]] || return 1 ;;
        git)
          case ${${=rest}[1]} in
            status|log|diff|show|rev-parse|ls-files|blame|describe|shortlog|grep|ls-tree|\
            cat-file|merge-base|symbolic-ref) [[ $rest != *(--output|--ext-diff)* ]] || return 1 ;;
            *) return 1 ;;
          esac ;;
        *) (( ${+functions[$w]} )) && continue  # a function: its body comes through the trap
           [[ $part =~ '^([A-Za-z_][A-Za-z0-9_]*=([^[:space:]"'\'']|"[^"]*"|'\''[^'\'']*'\'')*[[:space:]]*)+$' ]] ||
             return 1 ;;
      esac
    done
    return 0
  }

  return 0
fi

# ---- the co-process (read when a command needs Python) ----------------------------------
#
#   shellguard init zsh --agent > ~/.config/shellguard/agent.zsh
#   echo '[[ -r ~/.config/shellguard/agent.zsh ]] && source ~/.config/shellguard/agent.zsh' >> ~/.zshenv
#
# Source this file; do not eval it (it returns early when it has nothing to do, and
# `shellguard init` runs Python, which no .zshenv line should do). zsh's DEBUG trap
# fires before each sublist (`a && b` as one, a whole `for` loop as one, then each
# command inside it; field notes 5.4). Nobody is there to answer, so whatever policy
# would ask about (and whatever it denies) is blocked:
#   shellguard: blocked DELETE (rm: removes files or directories): rm -rf build
# and the shell exits with status 126.
#
# Active only for `zsh -c`, and only with SHELLGUARD_MODE=agent or an agent's marker
# (CLAUDECODE=1, GEMINI_CLI=1, CODEX_THREAD_ID / CODEX_SANDBOX, CURSOR_AGENT=1,
# GOOSE_TERMINAL=1, AI_AGENT); SHELLGUARD_MODE=off turns it off. Settings:
# SHELLGUARD_AGENT_TIMEOUT (seconds, default 10), SHELLGUARD_AGENT_NESTED=1 (guard
# nested `zsh -c` too). Names: _shellguard_agent_* functions, _SHELLGUARD_AGENT_* state.
#
# Field notes 5.2, for zsh: no extdebug to worry about; the co-process is started
# by a _shellguard_agent_* function that drops the trap and BASH_ENV and execs
# Python on a FIFO pair opened close-on-exec (zsh's coproc fds leak into every child);
# startup files (.zprofile, .zlogin of `zsh -lc`) are not the agent's commands and
# are skipped; a block exits 126 (a subshell signals the top shell, which exits 126
# too); tampering (trap, unfunction, TRAPDEBUG, functions[...], DEBUG_BEFORE_CMD) is
# blocked. zsh has no readonly functions, so any command naming the guard's own
# functions or settings is blocked here. Not a sandbox.

typeset -g _SHELLGUARD_AGENT_PID='' _SHELLGUARD_AGENT_W='' _SHELLGUARD_AGENT_R=''
typeset -g _SHELLGUARD_AGENT_SEQ=0 _SHELLGUARD_AGENT_CLASS='' _SHELLGUARD_AGENT_ACTION=''
typeset -g _SHELLGUARD_AGENT_REASON=''
zmodload zsh/system 2>/dev/null  # sysopen

# JSON string body of $1 in REPLY.
_shellguard_agent_json() {
  emulate -L zsh
  local s=${1//\\/\\\\} out='' c
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\t'/\\t}
  s=${s//$'\r'/\\r}
  if [[ $s == *[[:cntrl:]]* ]]; then
    for c in ${(s::)s}; do
      if [[ $c == [[:cntrl:]] ]]; then out+=${(l:6::0:)$(( [##16] #c ))}; out[-6,-5]='\u'
      else out+=$c; fi
    done
    s=$out
  fi
  REPLY=$s
}

# Runs in the background child: no trap, no BASH_ENV (field notes 5.2.2).
_shellguard_agent_serve() {
  trap - DEBUG
  unset BASH_ENV _SHELLGUARD_AGENT
  # Nothing but its pipes: an inherited pipeline end would keep that pipeline's reader
  # waiting for EOF as long as the classifier lives.
  local fd
  for fd in /dev/fd/*(N); do
    fd=${fd:t}
    (( fd > 2 )) && exec {fd}>&-
  done 2>/dev/null
  local log=${XDG_STATE_HOME:-$HOME/.local/state}/shellguard
  if [[ -d $log && -w $log ]]; then log+=/agent-shell.log; else log=/dev/null; fi
  exec $_SHELLGUARD_AGENT_PYTHON -m shellguard serve 2>>$log
}

# A FIFO pair opened close-on-exec, so children never hold the classifier's pipes
# (field notes 4.1: zsh's coproc descriptors leak into every child).
_shellguard_agent_start() {
  emulate -L zsh
  _shellguard_agent_stop
  local d=${TMPDIR:-/tmp}/shellguard-agent.$$.$RANDOM$RANDOM
  command mkdir -m 700 $d 2>/dev/null && command mkfifo -m 600 $d/req $d/resp 2>/dev/null || {
    command rm -rf $d 2>/dev/null; return 1; }
  _shellguard_agent_serve <$d/req >$d/resp &!
  _SHELLGUARD_AGENT_PID=$!
  # Order matters: the writer open lets the child's <req finish, the reader its >resp.
  sysopen -w -o cloexec -u _SHELLGUARD_AGENT_W $d/req &&
    sysopen -r -o cloexec -u _SHELLGUARD_AGENT_R $d/resp
  local rc=$?
  command rm -rf $d 2>/dev/null  # the open descriptors are all we need
  return rc
}

_shellguard_agent_stop() {
  emulate -L zsh
  [[ -n $_SHELLGUARD_AGENT_W ]] && exec {_SHELLGUARD_AGENT_W}>&-
  [[ -n $_SHELLGUARD_AGENT_R ]] && exec {_SHELLGUARD_AGENT_R}<&-
  [[ -n $_SHELLGUARD_AGENT_PID ]] && kill $_SHELLGUARD_AGENT_PID 2>/dev/null
  _SHELLGUARD_AGENT_W='' _SHELLGUARD_AGENT_R='' _SHELLGUARD_AGENT_PID=''
  return 0
}

# One round trip: $1 command, $2 optional answer (for the audit log).
_shellguard_agent_ask() {
  emulate -L zsh
  setopt localtraps
  local line req
  if [[ -z $_SHELLGUARD_AGENT_PID ]] || ! kill -0 $_SHELLGUARD_AGENT_PID 2>/dev/null; then
    _shellguard_agent_start || return 1
  fi
  (( _SHELLGUARD_AGENT_SEQ++ ))
  _shellguard_agent_json $1
  req="{\"id\":$_SHELLGUARD_AGENT_SEQ,\"command\":\"$REPLY\""
  _shellguard_agent_json $PWD
  req+=",\"cwd\":\"$REPLY\",\"shell\":\"agent-shell\"${2:+,\"answer\":\"$2\"}}"
  trap '' PIPE  # a dead co-process must not take the shell with it
  print -r -u $_SHELLGUARD_AGENT_W -- $req 2>/dev/null
  if ! IFS= read -r -t $_SHELLGUARD_AGENT_TIMEOUT -u $_SHELLGUARD_AGENT_R line 2>/dev/null ||
     [[ $line != "{\"id\":$_SHELLGUARD_AGENT_SEQ,"* ]]; then
    _shellguard_agent_stop  # out of step after a timeout: never reuse it
    return 1
  fi
  [[ $line =~ '"classification":"([A-Z]+)"' ]] && _SHELLGUARD_AGENT_CLASS=$match[1]
  [[ $line =~ '"action":"([a-z]+)"' ]] && _SHELLGUARD_AGENT_ACTION=$match[1]
  if [[ $line =~ '"reasoning":"(([^"\\]|\\.)*)"' ]]; then
    _SHELLGUARD_AGENT_REASON=${(g::)${match[1]//\\\"/\"}}
  fi
  return 0
}

# Ask the classifier; allow (and remember) or block.
_shellguard_agent_check() {
  emulate -L zsh
  local cmd=$1
  if ! _shellguard_agent_ask $cmd; then
    _shellguard_agent_block UNKNOWN "the classifier did not answer; run 'shellguard doctor'" $cmd
  fi
  if [[ $_SHELLGUARD_AGENT_ACTION == allow ]]; then
    _SHELLGUARD_AGENT_CACHE[$PWD$'\x1f'$cmd]=1
    return 0
  fi
  # A confirm decision is logged with its answer (blocked); deny decisions log themselves.
  [[ $_SHELLGUARD_AGENT_ACTION == confirm ]] && _shellguard_agent_ask $cmd blocked
  _shellguard_agent_block $_SHELLGUARD_AGENT_CLASS $_SHELLGUARD_AGENT_REASON $cmd
}
