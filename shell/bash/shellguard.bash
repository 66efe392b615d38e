# shellguard for bash: every command line is classified before it runs. READ lines run
# at once and silently; lines that would create, change or delete something show the
# class, the reason and the command, and wait for y (run once), a (always allow this
# exact line in this directory) or anything else / Enter / Ctrl-C (do not run; the
# text stays on the command line for editing, and Up recalls it too).
#
# One line in ~/.bashrc:    eval "$(shellguard init bash)"
# or source this file directly (the classifier is then found through the
# #! line of `shellguard-py` (the Python CLI installed beside `shellguard`), once, at
# load time).
#
# Settings (read whenever they are needed):
#   SHELLGUARD_DISABLE=1          no guarding in this session (set before loading:
#                                 nothing is installed, no co-process is started)
#   SHELLGUARD_TIMEOUT=3          seconds to wait for an answer from the classifier;
#                                 after that the co-process is replaced and you are asked
#   SHELLGUARD_START_TIMEOUT=20   the same for the first answer of a fresh co-process
#   SHELLGUARD_COLOR=auto         auto | always | never (NO_COLOR also turns colour off)
#   SHELLGUARD_CACHE=1            0: ask the classifier about every line, even one it
#                                 allowed in this directory before
# `shellguard off` / `shellguard on` switch the guard for this shell only.
#
# Design notes (issue 3, ../../shared/shell-hooks-field-notes.md sections 2 and 4):
# - Enter is a macro of two keys in the emacs, vi-insert and vi-command keymaps: a
#   `bind -x` check key, then an accept key bound to accept-line. A "no" rebinds the
#   accept key to a no-op for that one keypress, so the text stays in the buffer.
#   Ctrl-C during the check ends it and readline drops the rest of the macro.
# - A line that may continue (an open `for`, quote, `{`, here-document, trailing `|`)
#   is not asked about on Enter: bash only has the current physical line there. The
#   backstop asks about the whole construct when it is about to run.
# - The backstop also catches whatever bypasses Enter (Ctrl-O, Ctrl-X Ctrl-E, other
#   key bindings): our own DEBUG trap, or, when bash-preexec is loaded (starship,
#   atuin, terminal integrations), a function in its preexec_functions (but on bash
#   5.3, where bash-preexec 0.6+ uses PS0 and no DEBUG trap, our own trap). A line the
#   Enter check approved is not asked about again: the trap is dropped for it.
# - The classifier is one co-process per shell (`shellguard serve`) started with
#   `coproc`, its fds copied (the copies are close-on-exec, like the originals) and
#   the job disowned, so there are no job lines. Writes ignore SIGPIPE; reads time out.
#   When no answer can be had, the line is asked about: the safe answer wins.
# - What deciding takes is in shellguard-check.bash, read at the first check: bash
#   parses ~1 ms of this file at start-up instead of ~4 ms of both.

[[ $- == *i* ]] || return 0
if [[ -z ${BASH_VERSION-} ]] || (( BASH_VERSINFO[0] < 4 || (BASH_VERSINFO[0] == 4 && BASH_VERSINFO[1] < 4) )); then
  builtin printf '%s\n' "shellguard: needs bash 4.4 or later; not loaded" >&2
  return 0
fi

# Aliases are expanded when a function is defined: switch them off while ours are
# parsed, so that no alias can change what the guard runs.
_SHELLGUARD_ALIASES_WERE_ON=0
builtin shopt -q expand_aliases && _SHELLGUARD_ALIASES_WERE_ON=1
builtin shopt -u expand_aliases

# -- state ----------------------------------------------------------------------------
# _SHELLGUARD_PYTHON is baked in by `shellguard init bash`.
_SHELLGUARD_PYTHON=${_SHELLGUARD_PYTHON-}
# Where shellguard-check.bash is: beside this file.
_SHELLGUARD_DIR=${BASH_SOURCE[0]%/*}
[[ $_SHELLGUARD_DIR == "${BASH_SOURCE[0]}" ]] && _SHELLGUARD_DIR=.
[[ $_SHELLGUARD_DIR == /* ]] || _SHELLGUARD_DIR=$PWD/$_SHELLGUARD_DIR
_SHELLGUARD_CHECK_LOADED=0
_SHELLGUARD_PID=0
_SHELLGUARD_W=
_SHELLGUARD_R=
_SHELLGUARD_ID=0
_SHELLGUARD_FRESH=0
_SHELLGUARD_NOOP=0            # the accept key is a no-op (after a "no")
_SHELLGUARD_VI_BOUND=0        # the vi keymaps have our Enter
_SHELLGUARD_PHASE=0           # 1 from PS0 (a line starts running) to the next prompt
_SHELLGUARD_STATE=            # for the running line: "" undecided, ok, skip, each
_SHELLGUARD_OK=               # the text the Enter check approved
_SHELLGUARD_LINES=()          # physical lines accepted since the last prompt
_SHELLGUARD_MODE=${_SHELLGUARD_MODE-}   # own (our DEBUG trap) | preexec (bash-preexec's) | none
                              # (kept when this file is read again: the hook no longer asks)
_SHELLGUARD_TRAPPED=          # 1: someone else's DEBUG trap was set (until the mode is known)
_SHELLGUARD_RC=0              # $? for the prompt hook's first form
_SHELLGUARD_EXTDEBUG=0        # we switched extdebug on to skip a line
_SHELLGUARD_BP_SWAPPED=0      # our trap stands in for bash-preexec's while a line is skipped
_SHELLGUARD_CLASS=
_SHELLGUARD_ACTION=
_SHELLGUARD_REASON=
_SHELLGUARD_NEW_READS=        # read-only prefixes named by the last reply
_SHELLGUARD_NEW_TABLE=        # and the read table it named (shellguard/read_table.py),
_SHELLGUARD_TABLE=            # the one loaded into the two below,
_SHELLGUARD_TABLE_NEXT=       # and the one to load at the next prompt
_SHELLGUARD_READS_MAX=1000    # entries the prefixes may hold before they start over
_SHELLGUARD_KEY_CHECK='\C-x\C-_c'
_SHELLGUARD_KEY_ACCEPT='\C-x\C-_a'
_SHELLGUARD_KEY_EDIT='\C-x\C-_e'
_SHELLGUARD_CWD_FOR=
_SHELLGUARD_CWD_JSON=
_SHELLGUARD_TIMEOUT_FOR=      # the SHELLGUARD_TIMEOUT last checked ("" = unset: 3 s)
_SHELLGUARD_TIMEOUT_OK=3
declare -gA _SHELLGUARD_ALLOWED=()   # "$PWD<US>line" -> class, for lines allowed here
declare -gA _SHELLGUARD_READS=()     # read-only prefix ("git status") -> " its exceptions "
declare -gA _SHELLGUARD_READ_STARTS=()   # their starts -> 1: "git", and "gh pr" of "gh pr list"
declare -gA _SHELLGUARD_WITH_ARG=()  # program -> " its options that take a value " (a read table's)
# Wrappers looked past to the command they run (plain.py's WRAPPERS, in its spec form:
# " flags | options with a value |" and d: a duration first, r: run by sh -c)
declare -gA _SHELLGUARD_WRAPPERS=(
  [sudo]=' -E -H -n | --group --user -g -u |'
  [timeout]=' --foreground --preserve-status --verbose -v | --kill-after --signal -k -s |d'
  [nice]='  | --adjustment -n |'
  [ionice]=' --ignore -t | --class --classdata -c -n |'
  [watch]=' --beep --chgexit --color --differences --errexit --exec --no-title --no-wrap --precise -b -c -d -e -g -p -t -w -x | --interval -n |r'
)
_SHELLGUARD_CACHE_STAMP=
_SHELLGUARD_CACHE_OFF=0
_SHELLGUARD_EARLY_ID=0 _SHELLGUARD_EARLY_KEY=   # the prefetch sent on Enter, and its line
_SHELLGUARD_AW_FOR='' _SHELLGUARD_AW='' _SHELLGUARD_ANAMES=''   # _shellguard_alias_words: text, answer, names

# -- helpers --------------------------------------------------------------------------

_shellguard_find_python() {
  [[ -n $_SHELLGUARD_PYTHON ]] && return 0
  local exe first
  exe=$(builtin type -P shellguard-py 2>/dev/null) || return 1
  [[ -r $exe ]] || return 1
  IFS= builtin read -r first < "$exe" || return 1
  [[ $first == '#!/'* ]] || return 1
  local -a words
  builtin read -r -a words <<< "${first#\#!}"
  if [[ ${words[0]##*/} == env ]]; then
    words=("${words[@]:1}")
    [[ ${words[0]} == -* ]] && words=("${words[@]:1}")
    words[0]=$(builtin type -P "${words[0]}" 2>/dev/null)
  fi
  [[ -x ${words[0]-} ]] || return 1
  _SHELLGUARD_PYTHON=${words[0]}
}

_shellguard_disabled() {
  [[ -n ${_SHELLGUARD_OFF-} || ( -n ${SHELLGUARD_DISABLE-} && ${SHELLGUARD_DISABLE-} != 0 ) ]]
}

# -- the co-process -------------------------------------------------------------------

_shellguard_stop() {
  if [[ -n $_SHELLGUARD_W ]]; then exec {_SHELLGUARD_W}>&-; fi 2>/dev/null
  if [[ -n $_SHELLGUARD_R ]]; then exec {_SHELLGUARD_R}<&-; fi 2>/dev/null
  _SHELLGUARD_W='' _SHELLGUARD_R='' _SHELLGUARD_EARLY_ID=0
  if (( _SHELLGUARD_PID > 0 )); then
    # CONT after TERM: a stopped (hung) process only acts on the TERM once it runs.
    builtin kill -TERM "$_SHELLGUARD_PID" 2>/dev/null && builtin kill -CONT "$_SHELLGUARD_PID" 2>/dev/null
  fi
  _SHELLGUARD_PID=0
}

_shellguard_start() {
  _shellguard_stop
  _shellguard_find_python || return 1
  local state=${XDG_STATE_HOME:-$HOME/.local/state}/shellguard
  [[ -d $state ]] || builtin command mkdir -p -m 700 -- "$state" 2>/dev/null
  local py=$_SHELLGUARD_PYTHON log=$state/serve.log wait=${1:+0.01}
  # The group's 2>/dev/null hides bash's "coproc still exists" warning after a
  # restart; the co-process's own stderr goes to the log. cd / so that it keeps no
  # directory busy; -P keeps the current directory off Python's sys.path.
  # Started from the prompt hook ($1), Python waits 10 ms first, so that its start
  # does not slow the drawing of the first prompt (~1 ms on 2 CPUs): a read that times
  # out on its own reply pipe, which nothing is written to yet (no fork; no /proc: no
  # wait).
  { coproc _SHELLGUARD_CP { builtin cd / 2>/dev/null || exit
      [[ -n $wait ]] && builtin read -r -t "$wait" _ </proc/self/fd/1 2>/dev/null
      exec "$py" -P -m shellguard serve --pad 256 2>>"$log"; }; } 2>/dev/null
  _SHELLGUARD_PID=${_SHELLGUARD_CP_PID:-0}
  (( _SHELLGUARD_PID > 0 )) || return 1
  # Use copies: the coproc's own fds are closed in subshells and when bash reaps it.
  exec {_SHELLGUARD_W}>&"${_SHELLGUARD_CP[1]}" {_SHELLGUARD_R}<&"${_SHELLGUARD_CP[0]}"
  builtin disown "$_SHELLGUARD_PID" 2>/dev/null    # no job line, no "Terminated" later
  _SHELLGUARD_FRESH=1
}

_shellguard_bind_keys() {
  # Enter (C-m, C-j) becomes "check key, accept key" in each keymap given; bash's
  # edit-and-execute keys (C-x C-e, vi's v) become "edit key, check key, accept key".
  # The vi keymaps are bound at the first prompt in vi mode (start-up saves ~1 ms).
  local map
  for map; do
    builtin bind -m "$map" -x "\"$_SHELLGUARD_KEY_CHECK\": _shellguard_enter"
    builtin bind -m "$map" "\"$_SHELLGUARD_KEY_ACCEPT\": accept-line" \
      "\"\\C-m\": \"$_SHELLGUARD_KEY_CHECK$_SHELLGUARD_KEY_ACCEPT\"" \
      "\"\\C-j\": \"$_SHELLGUARD_KEY_CHECK$_SHELLGUARD_KEY_ACCEPT\""
    case $map in
      emacs)
        builtin bind -m emacs -x "\"$_SHELLGUARD_KEY_EDIT\": _shellguard_edit"
        builtin bind -m emacs "\"\\C-x\\C-e\": \"$_SHELLGUARD_KEY_EDIT$_SHELLGUARD_KEY_CHECK$_SHELLGUARD_KEY_ACCEPT\"" ;;
      vi-command)
        builtin bind -m vi-command -x "\"$_SHELLGUARD_KEY_EDIT\": _shellguard_edit"
        builtin bind -m vi-command "\"v\": \"$_SHELLGUARD_KEY_EDIT$_SHELLGUARD_KEY_CHECK$_SHELLGUARD_KEY_ACCEPT\"" ;;
    esac
  done
}

_shellguard_bind_accept() {
  local map
  for map in emacs vi-insert vi-command; do
    builtin bind -m "$map" "\"$_SHELLGUARD_KEY_ACCEPT\": $1"
  done
}

# -- the backstop's trap --------------------------------------------------------------

_shellguard_arm() {
  # Our DEBUG trap, for the next line (mode "own" only). "$_" is passed through so the
  # trap leaves $_ as it was (bash-preexec's trick).
  [[ $_SHELLGUARD_MODE == own ]] || return 0
  builtin trap '_shellguard_debug "$_"' DEBUG
}

_shellguard_disarm() {
  [[ $_SHELLGUARD_MODE == own ]] || return 0
  builtin trap - DEBUG
}

_shellguard_restore_bp_trap() {
  (( _SHELLGUARD_BP_SWAPPED )) || return 0
  # bash-preexec's trap, as its __bp_install sets it (the same in 0.4 and 0.5).
  builtin trap '__bp_preexec_invoke_exec "$_"' DEBUG
  _SHELLGUARD_BP_SWAPPED=0
}

# -- the checking code, read at the first check ----------------------------------------
# shellguard-check.bash holds what deciding about a line takes (the co-process
# protocol, the question, Enter, the backstop). Parsing it costs bash ~3 ms, so it is
# read when it is first needed, not at start-up. Until then _shellguard_enter,
# _shellguard_edit and _shellguard_preexec below stand in for its entry points, and
# reading it replaces them; _shellguard_debug stays (the trap's small dispatcher).

_shellguard_load() {
  local aliases_were_on=0 file=$_SHELLGUARD_DIR/shellguard-check.bash
  builtin shopt -q expand_aliases && aliases_were_on=1
  builtin shopt -u expand_aliases     # (see the top of this file)
  _SHELLGUARD_CHECK_LOADED=0
  [[ -r $file ]] && builtin source -- "$file"
  (( aliases_were_on )) && builtin shopt -s expand_aliases
  (( _SHELLGUARD_CHECK_LOADED )) && return 0
  builtin printf '%s\n' "shellguard: cannot read $file: nothing runs until it is back (reinstall shellguard, or run 'shellguard off')" >&2
  return 1
}

# (shellcheck reads the two files as one, where these are redefined: SC2317)
# shellcheck disable=SC2317
_shellguard_enter() {
  _shellguard_load && { _shellguard_enter; return; }
  # Without the checking code no line can be judged: none runs, except those that
  # switch the guard (so that `shellguard off` is a way out).
  if _shellguard_disabled ||
     [[ $READLINE_LINE =~ ^[[:space:]]*shellguard[[:space:]]+(on|off|status)[[:space:]]*$ ]]; then
    (( _SHELLGUARD_NOOP )) && _shellguard_bind_accept accept-line
    _SHELLGUARD_NOOP=0
    return 0
  fi
  _shellguard_bind_accept redraw-current-line
  _SHELLGUARD_NOOP=1
}

# shellcheck disable=SC2317
_shellguard_edit() { _shellguard_load && _shellguard_edit; }
_shellguard_debug() {
  # Our DEBUG trap (mode "own"). It fires at every prompt (for the return of
  # _shellguard_prompt) and for each command of completion functions, where there is
  # nothing to do; bash copies a function's whole body at every call, so this one
  # stays small and the work is in _shellguard_debug_line (shellguard-check.bash),
  # read once a line runs (PS0 sets the phase) or fc runs an edited one. Without it
  # the backstop stands down (Enter refuses every line then).
  (( _SHELLGUARD_PHASE )) || [[ $BASH_COMMAND == 'fc -e '* ]] || return 0
  (( _SHELLGUARD_CHECK_LOADED )) || _shellguard_load || return 0
  _shellguard_debug_line "$@"
}

# shellcheck disable=SC2317
_shellguard_preexec() { _shellguard_load || return 0; _shellguard_preexec "$@"; }

# -- every prompt ---------------------------------------------------------------------

_shellguard_prompt() {
  # $1: $? of the line that ran; $2: until the mode is known, 1 when someone else
  # set a DEBUG trap (see the install below), else empty.
  # Every prompt runs this: the usual case (our own trap, nothing to restore or set
  # up) stays small, since bash copies a function's whole body at every call.
  _SHELLGUARD_PHASE=0 _SHELLGUARD_STATE='' _SHELLGUARD_OK='' _SHELLGUARD_LINES=() _SHELLGUARD_AW_FOR=''
  if (( _SHELLGUARD_BP_SWAPPED || _SHELLGUARD_EXTDEBUG || _SHELLGUARD_PID <= 0 )) ||
     [[ $_SHELLGUARD_MODE != own || -n ${_SHELLGUARD_OFF-}${SHELLGUARD_DISABLE-} ||
        ( -n ${bash_preexec_imported-}${__bp_imported-} && ${__bp_hook_preexec_proc-} != *_ps0 ) ||
        ${PS0-} != *'_SHELLGUARD_PHASE=1'* ]] ||
     { (( ! _SHELLGUARD_VI_BOUND )) && [[ -o vi ]]; }; then
    _shellguard_prompt_setup "$@"
    return "$1"
  fi
  [[ -n $_SHELLGUARD_TABLE_NEXT ]] && _shellguard_load_table
  # Last: every command after it in this function would fire the trap; only the
  # return does.
  builtin trap '_shellguard_debug "$_"' DEBUG
  return "$1"
}

_shellguard_prompt_setup() {
  # The prompt hook's other cases: the first prompt (the mode, PS0, the co-process),
  # after a skipped line, vi mode switched on, the guard off, bash-preexec.
  local ret=$1
  (( _SHELLGUARD_BP_SWAPPED )) && _shellguard_restore_bp_trap
  if (( _SHELLGUARD_EXTDEBUG )); then
    builtin shopt -u extdebug
    _SHELLGUARD_EXTDEBUG=0
  fi
  if [[ -n ${_SHELLGUARD_OFF-} || ( -n ${SHELLGUARD_DISABLE-} && $SHELLGUARD_DISABLE != 0 ) ]]; then
    _shellguard_disarm
    return "$ret"
  fi
  # bash-preexec owns the DEBUG trap when it is loaded (now or later): chain through
  # its preexec_functions instead of replacing its trap. Not on bash 5.3, where
  # bash-preexec 0.6+ calls them from PS0, which cannot stop a line, and leaves the
  # DEBUG trap to others: ours is the backstop there as without it.
  if [[ -n ${bash_preexec_imported-}${__bp_imported-} && ${__bp_hook_preexec_proc-} != *_ps0 ]]; then
    if [[ $_SHELLGUARD_MODE != preexec ]]; then
      [[ $_SHELLGUARD_MODE == own ]] && builtin trap - DEBUG
      _SHELLGUARD_MODE=preexec
      [[ " ${preexec_functions[*]-} " == *" _shellguard_preexec "* ]] || preexec_functions+=(_shellguard_preexec)
      export SHELLGUARD_BASH_HOOK=bash-preexec      # for `shellguard status` and doctors
      _shellguard_settle_hook
    fi
  elif [[ -z $_SHELLGUARD_MODE ]]; then
    # Someone else's DEBUG trap (not bash-preexec's): leave it alone, and go without
    # the backstop rather than break it.
    if [[ -n ${2-} ]]; then
      _SHELLGUARD_MODE=none
      export SHELLGUARD_BASH_HOOK=enter-only
    else
      _SHELLGUARD_MODE=own
      export SHELLGUARD_BASH_HOOK=debug-trap
    fi
    _shellguard_settle_hook
  fi
  if (( ! _SHELLGUARD_VI_BOUND )) && [[ -o vi ]]; then
    _shellguard_bind_keys vi-insert vi-command
    _SHELLGUARD_VI_BOUND=1
  fi
  # PS0 is expanded when a line starts to run: the subscript sets the phase without
  # printing anything. Re-added if something replaced PS0.
  if [[ ${PS0-} != *'_SHELLGUARD_PHASE=1'* ]]; then
    # shellcheck disable=SC2016  # expanded by bash when the prompt string is shown
    PS0='${_SHELLGUARD_NONE[_SHELLGUARD_PHASE=1]-}'"${PS0-}"
  fi
  # Start the classifier in the background so the first command does not wait for it.
  (( _SHELLGUARD_PID > 0 )) || _shellguard_start prompt
  if [[ $_SHELLGUARD_MODE == preexec ]]; then
    # bash-preexec's trap also fires for `bind -x` commands (our Enter check, fzf's
    # keys): it would take that for the user's command, call every preexec function
    # with the previous history line and miss the real one. While the prompt is up,
    # its own re-entry guard makes it return at once; PS0 clears the guard when the
    # line starts to run.
    if [[ ${PS0-} != *'__bp_inside_preexec=0'* ]]; then
      # shellcheck disable=SC2016  # expanded by bash when the prompt string is shown
      PS0='${_SHELLGUARD_NONE[__bp_inside_preexec=0]-}'"${PS0-}"
    fi
    __bp_inside_preexec=1
    # At the very first prompt bash-preexec installs itself in the middle of
    # PROMPT_COMMAND and its trap takes this hook for the user's command; the mode
    # flag it clears for that is set again (the guard above keeps it set now).
    __bp_preexec_interactive_mode=on
  fi
  [[ -n $_SHELLGUARD_TABLE_NEXT ]] && _shellguard_load_table
  # (_shellguard_arm, inlined) Last: every command after it in this function would
  # fire the trap (about 15 us each); only the return does.
  [[ $_SHELLGUARD_MODE == own ]] && builtin trap '_shellguard_debug "$_"' DEBUG
  return "$ret"
}

_shellguard_settle_hook() {
  # The mode is known: the prompt hook's first form (see the install below) becomes
  # the one call it is from now on, wherever PROMPT_COMMAND holds it.
  local i
  for i in "${!PROMPT_COMMAND[@]}"; do
    [[ ${PROMPT_COMMAND[i]} == *"$_SHELLGUARD_HOOK_FIRST"* ]] &&
      PROMPT_COMMAND[i]=${PROMPT_COMMAND[i]/"$_SHELLGUARD_HOOK_FIRST"/"$_SHELLGUARD_HOOK"}
  done
}

# -- the user's command ---------------------------------------------------------------

shellguard() {
  case ${1-} in
    off)
      _SHELLGUARD_OFF=1
      builtin printf '%s\n' "shellguard: off in this shell ('shellguard on' turns it back on)" ;;
    on)
      builtin unset _SHELLGUARD_OFF
      if [[ -n ${SHELLGUARD_DISABLE-} && $SHELLGUARD_DISABLE != 0 ]]; then
        builtin printf '%s\n' "shellguard: on, but SHELLGUARD_DISABLE is set in this session"
      else
        builtin printf '%s\n' "shellguard: on"
      fi ;;
    status)
      local state=on co=none
      _shellguard_disabled && state=off
      if (( _SHELLGUARD_PID > 0 )) && builtin kill -0 "$_SHELLGUARD_PID" 2>/dev/null; then
        co="pid $_SHELLGUARD_PID"
      fi
      builtin printf '%s\n' "shellguard: $state in this shell (bash, ${_SHELLGUARD_MODE:-not started}); classifier: $co" \
        "  read-only prefixes kept: ${#_SHELLGUARD_READS[@]} (read table: ${_SHELLGUARD_TABLE:-none yet})" \
        "  python: ${_SHELLGUARD_PYTHON:-not found}" \
        "  log: ${XDG_STATE_HOME:-$HOME/.local/state}/shellguard/serve.log" ;;
    *)
      if _shellguard_find_python; then
        "$_SHELLGUARD_PYTHON" -P -m shellguard "$@"
      else
        builtin command shellguard "$@"
      fi ;;
  esac
}

# -- install (idempotent: sourcing again replaces our bindings and hooks) -------------

if [[ -z ${SHELLGUARD_DISABLE-} || ${SHELLGUARD_DISABLE-} == 0 ]]; then
  _shellguard_find_python ||
    builtin printf '%s\n' "shellguard: cannot find the shellguard command; every command will be asked about" >&2
  _shellguard_bind_keys emacs
  # Our prompt hook runs last, so that $? and PIPESTATUS reach the others untouched.
  # Until the mode is known (the first prompt), it is told whether someone else set a
  # DEBUG trap, which only the top level sees (a function's calls hide it): from bash
  # 5.1 `trap -p` fails to write its text to a closed stdout, which tells without the
  # fork of a $(...) (0.6 ms of the first prompt). Then _shellguard_settle_hook makes
  # it one call: every command PROMPT_COMMAND runs fires the DEBUG trap set then
  # (bash-preexec's costs ~50 us a call).
  # shellcheck disable=SC2016  # expanded when PROMPT_COMMAND runs
  if (( BASH_VERSINFO[0] > 5 || (BASH_VERSINFO[0] == 5 && BASH_VERSINFO[1] >= 1) )); then
    _shellguard_pc='builtin trap -p DEBUG >&- 2>/dev/null || _SHELLGUARD_TRAPPED=1'
  else
    _shellguard_pc='[[ -z $(builtin trap -p DEBUG) ]] || _SHELLGUARD_TRAPPED=1'
  fi
  # shellcheck disable=SC2016
  _SHELLGUARD_HOOK_FIRST='_SHELLGUARD_RC=$? _SHELLGUARD_TRAPPED=; [[ -n $_SHELLGUARD_MODE ]] || '$_shellguard_pc'; _shellguard_prompt "$_SHELLGUARD_RC" "$_SHELLGUARD_TRAPPED"'
  # shellcheck disable=SC2016
  _SHELLGUARD_HOOK='_shellguard_prompt "$?"'
  if [[ "${PROMPT_COMMAND[*]-}" != *_shellguard_prompt* ]]; then
    if [[ ${PROMPT_COMMAND@a} == *a* ]]; then
      PROMPT_COMMAND+=("$_SHELLGUARD_HOOK_FIRST")
    else
      # shellcheck disable=SC2178  # a string in bash < 5.1 and for most users
      PROMPT_COMMAND="${PROMPT_COMMAND:+${PROMPT_COMMAND%;}$'\n'}$_SHELLGUARD_HOOK_FIRST"
    fi
  fi
  builtin unset _shellguard_pc
fi

(( _SHELLGUARD_ALIASES_WERE_ON )) && builtin shopt -s expand_aliases
builtin unset _SHELLGUARD_ALIASES_WERE_ON
