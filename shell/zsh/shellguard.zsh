# shellguard for zsh: every command line is classified before it runs. READ lines run
# at once and silently; lines that would create, change or delete something show the
# class and the reason and wait for y (run once), a (always allow this exact line in
# this directory) or anything else / Enter / Ctrl-C (do not run; Up recalls the line).
#
# One line in ~/.zshrc:        eval "$(shellguard init zsh)"
# Plugin managers:             shell/zsh/shellguard.plugin.zsh
# This file can also be sourced directly (the classifier is then found through the
# #! line of `shellguard-py` (the Python CLI installed beside `shellguard`), once, at
# load time).
#
# Settings (read whenever they are needed, so they can change at any time):
#   SHELLGUARD_DISABLE=1          no guarding in this session (set before loading:
#                                 nothing is installed, no co-process is started)
#   SHELLGUARD_TIMEOUT=3          seconds to wait for an answer from the classifier;
#                                 after that the co-process is replaced and you are asked
#   SHELLGUARD_START_TIMEOUT=20   the same for the first answer of a fresh co-process
#                                 (it has to start Python and load the rules first)
#   SHELLGUARD_COLOR=auto         auto | always | never (NO_COLOR also turns colour off)
#   SHELLGUARD_CACHE=1            0: ask the classifier about every line on Enter, even
#                                 one it allowed in this directory before or while the
#                                 line was typed
# `shellguard off` / `shellguard on` switch the guard for this shell only.
#
# Naming (zsh-autosuggestions' habit): SHELLGUARD_* settings, _SHELLGUARD_* state,
# _shellguard_* functions. Entry points (the hooks, the widget, `shellguard`) start
# with `emulate -L zsh`; the helpers marked "(internal)" are only called from there and
# inherit it, because emulate costs ~30 us a call and Enter has a 0.5 ms budget. The
# parser probe runs before emulate on purpose (it must see the user's options).
#
# Design notes (issue 3, ../../shared/shell-hooks-field-notes.md sections 1 and 4):
# - The hook is zle-line-finish, added with add-zle-hook-widget: it runs after *every*
#   accepting widget (Enter, Ctrl-O, accept-and-hold, vi bindings), sees the whole
#   construct ($PREBUFFER$BUFFER) and can abort it with `zle send-break`. Wrapping
#   accept-line instead is bypassed by plugins that rebind it later. It is added once
#   the first prompt is drawn (a zle -F handler, which zle runs before it reads a key,
#   even one typed ahead); a precmd self-check re-adds it if a later plugin replaced
#   zle-line-finish.
# - The classifier is one co-process per shell (`shellguard serve`), started in the
#   background at the first prompt, spoken to over a FIFO pair opened close-on-exec
#   (a `coproc` would be a job and leak its fds into every child). One JSON line
#   each way; every answer carries the request's id.
# - When no answer can be had (dead twice, timeout, garbled, wrong id) the line is
#   asked about: the safe answer wins.
# - Prefetch: while a line is typed, a zle-line-pre-redraw hook sends it to the
#   classifier ("prefetch": rules only, never logged; one request in flight) and a
#   `zle -F` handler keeps an "allow" answer for the text, so that Enter on a line new
#   to this shell finds its answer ready. Anything else is asked for again on Enter.

[[ -o interactive ]] || return 0
# (a pattern, not is-at-least: loading that function costs a millisecond at start-up)
if [[ $ZSH_VERSION != (5.<3->*|<6->.*) ]]; then
  builtin print -ru2 -- "shellguard: needs zsh 5.3 or later (add-zle-hook-widget); not loaded"
  return 0
fi

# Aliases are expanded when a function is defined: switch them off while ours are
# parsed, so that no alias (`alias print=...`) can change what the guard runs.
typeset -g _SHELLGUARD_ALIASES_WERE_ON=0
[[ -o aliases ]] && _SHELLGUARD_ALIASES_WERE_ON=1
builtin setopt no_aliases

# Modules are loaded when first needed (in _shellguard_start), not at start-up.

# -- state ----------------------------------------------------------------------------
# _SHELLGUARD_PYTHON is baked in by `shellguard init zsh`; when this file is sourced
# directly it is read from the #! line of `shellguard-py`, once.
typeset -g _SHELLGUARD_PYTHON=${_SHELLGUARD_PYTHON-}
typeset -gi _SHELLGUARD_PID=0 _SHELLGUARD_W=-1 _SHELLGUARD_R=-1 _SHELLGUARD_K=-1 _SHELLGUARD_ID=0
typeset -gi _SHELLGUARD_GOT=0             # the id of the reply line last taken (_shellguard_pop)
typeset -gi _SHELLGUARD_FRESH=0 _SHELLGUARD_ARMED=0 _SHELLGUARD_SKIP=0
typeset -g _SHELLGUARD_BUF= _SHELLGUARD_NOTE= _SHELLGUARD_DEFERRED= _SHELLGUARD_HISTORY=
typeset -g _SHELLGUARD_CLASS= _SHELLGUARD_ACTION= _SHELLGUARD_REASON= _SHELLGUARD_NEW_READS=
typeset -g _SHELLGUARD_CWD_FOR= _SHELLGUARD_CWD_JSON=
typeset -g _SHELLGUARD_TIMEOUT_FOR=- _SHELLGUARD_TIMEOUT_OK=3   # SHELLGUARD_TIMEOUT last checked, its value
typeset -gA _SHELLGUARD_ALLOWED            # "$PWD<US>line" -> class, for lines allowed here
typeset -gA _SHELLGUARD_READS              # read-only prefix ("git status") -> " its exceptions "
typeset -gA _SHELLGUARD_READ_STARTS         # their starts -> 1: "git", and "gh pr" of "gh pr list"
                                           # (" * ": the word alone is kept too)
typeset -gA _SHELLGUARD_WITH_ARG           # program -> " its options that take a value " (a read
                                           # table's): options before its subcommand are looked past
# Wrappers looked past to the command they run (plain.py's WRAPPERS, in its spec form:
# " flags | options with a value |" and d: a duration first, r: run by sh -c)
typeset -gA _SHELLGUARD_WRAPPERS=(
  sudo ' -E -H -n | --group --user -g -u |'
  timeout ' --foreground --preserve-status --verbose -v | --kill-after --signal -k -s |d'
  nice '  | --adjustment -n |'
  ionice ' --ignore -t | --class --classdata -c -n |'
  watch ' --beep --chgexit --color --differences --errexit --exec --no-title --no-wrap --precise -b -c -d -e -g -p -t -w -x | --interval -n |r'
)
# Entries put in each (a bound on their size): ${#hash} walks the whole hash, ~13 us at 450.
typeset -gi _SHELLGUARD_ALLOWED_N=0 _SHELLGUARD_READS_N=0 _SHELLGUARD_READS_MAX=1000
# The read table (shellguard/read_table.py) loaded into those three, the one a reply
# named last, and the one to load before the next prompt
typeset -g _SHELLGUARD_TABLE= _SHELLGUARD_NEW_TABLE= _SHELLGUARD_TABLE_NEXT=
typeset -g _SHELLGUARD_CACHE_STAMP=
typeset -gi _SHELLGUARD_PRE_FD=-1 _SHELLGUARD_PRE_ID=0   # prefetch: watched fd, request in flight
typeset -g _SHELLGUARD_PRE_SENT= _SHELLGUARD_PRE_KEY= _SHELLGUARD_PRE_CLASS=
typeset -gi _SHELLGUARD_CACHE_OFF=0
typeset -gi _SHELLGUARD_SOON=-1           # the fd whose zle -F handler starts the classifier
typeset -gi _SHELLGUARD_HOOKED=0          # our zle hooks were put in (at the first prompt)
typeset -g _SHELLGUARD_AW_FOR= _SHELLGUARD_AW=   # _shellguard_alias_words: last text, answer
typeset -gF _SHELLGUARD_SPIN=0          # seconds _shellguard_recv polls before it sleeps,
typeset -gi _SHELLGUARD_NOSPIN=0        # and how many reads it will not (busy CPUs)

# -- helpers --------------------------------------------------------------------------

_shellguard_find_python() {
  emulate -L zsh
  [[ -n $_SHELLGUARD_PYTHON ]] && return 0
  local exe=${commands[shellguard-py]-} first
  [[ -n $exe && -r $exe ]] || return 1
  IFS= builtin read -r first < $exe || return 1
  [[ $first == '#!'/* ]] || return 1
  local -a words=(${=first#\#!})
  if [[ ${words[1]:t} == env ]]; then
    words[1]=()
    [[ $words[1] == -* ]] && words[1]=()
    words[1]=${commands[${words[1]}]-}
  fi
  [[ -x ${words[1]-} ]] || return 1
  _SHELLGUARD_PYTHON=$words[1]
}

_shellguard_disabled() {
  # True when the guard must not act: `shellguard off` or SHELLGUARD_DISABLE set.
  # (internal; only [[ ]] tests, which no option changes)
  [[ -n ${_SHELLGUARD_OFF-} || ( -n ${SHELLGUARD_DISABLE-} && ${SHELLGUARD_DISABLE-} != 0 ) ]]
}

_shellguard_json_escape() {
  # JSON string body for $1 in REPLY (quotes, backslashes, control characters). (internal)
  if [[ $1 != *[\\\"[:cntrl:]]* ]]; then
    REPLY=$1
    return
  fi
  local s=${1//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\t'/\\t}
  s=${s//$'\r'/\\r}
  if [[ $s == *[[:cntrl:]]* ]]; then
    local out= c u
    for c in ${(s::)s}; do
      if [[ $c == [[:cntrl:]] ]]; then
        builtin printf -v u '\\u%04x' "'$c"
        out+=$u
      else
        out+=$c
      fi
    done
    s=$out
  fi
  REPLY=$s
}

_shellguard_cwd_json() {
  # $PWD as a JSON string body in REPLY, escaped once per directory. (internal)
  if [[ $_SHELLGUARD_CWD_FOR != $PWD ]]; then
    _shellguard_json_escape $PWD
    _SHELLGUARD_CWD_JSON=$REPLY _SHELLGUARD_CWD_FOR=$PWD
  fi
  REPLY=$_SHELLGUARD_CWD_JSON
}

# -- the co-process -------------------------------------------------------------------

_shellguard_alias_words() {
  # The aliases that words of $1 name, and those their texts start with, as the JSON
  # members to add to a request (,"aliases":{"ll":"ls -l"} and ,"global_aliases":{...}
  # for `alias -g` ones, which any word of a line or of an alias's text can name) in
  # REPLY; empty when there are none. The classifier expands them where zsh
  # would; the caches keep them in their keys. (Suffix aliases are not looked at: a
  # file name as a command asks anyway.) (internal)
  # (Runs at every key press and again on Enter: kept for the last text until the next
  # prompt, the only time aliases can change. One lookup a word; a quoted or escaped
  # word is no alias.)
  if [[ $1 == $_SHELLGUARD_AW_FOR && -n $_SHELLGUARD_AW_FOR ]]; then
    REPLY=$_SHELLGUARD_AW
    return 0
  fi
  local IFS=$' \t\n' word
  local -a todo
  for word in ${=1//[;|&()<>\`]/ }; do
    # (a test, not arithmetic: 10 % less for this loop, which runs on every new line)
    [[ -n ${aliases[$word]+1}${galiases[$word]+1} ]] && todo+=($word)
  done
  REPLY=
  if (( ! $#todo )); then
    _SHELLGUARD_AW_FOR=$1 _SHELLGUARD_AW=
    return 0
  fi
  local -A seen gseen
  local members= gmembers= name
  while (( $#todo )); do
    word=$todo[1]
    shift todo
    if [[ -n ${aliases[$word]+1} && -z ${seen[$word]+1} ]]; then
      seen[$word]=1
      _shellguard_json_escape $word; name=$REPLY
      _shellguard_json_escape $aliases[$word]
      members+=",\"$name\":\"$REPLY\""
      # its first word may be an alias in turn, any of its words a global one
      todo+=(${=aliases[$word]//[;|&()<>\`]/ })
    fi
    if [[ -n ${galiases[$word]+1} && -z ${gseen[$word]+1} ]]; then
      gseen[$word]=1
      _shellguard_json_escape $word; name=$REPLY
      _shellguard_json_escape $galiases[$word]
      gmembers+=",\"$name\":\"$REPLY\""
      todo+=(${=galiases[$word]//[;|&()<>\`]/ })
    fi
  done
  REPLY=${members:+,\"aliases\":\{${members#,}\}}${gmembers:+,\"global_aliases\":\{${gmembers#,}\}}
  _SHELLGUARD_AW_FOR=$1 _SHELLGUARD_AW=$REPLY
}

_shellguard_stop() {
  emulate -L zsh
  if (( _SHELLGUARD_PRE_FD >= 0 )); then
    builtin zle -F $_SHELLGUARD_PRE_FD 2>/dev/null
  fi
  _SHELLGUARD_PRE_FD=-1 _SHELLGUARD_PRE_ID=0 _SHELLGUARD_PRE_SENT= _SHELLGUARD_PRE_KEY=
  if (( _SHELLGUARD_W >= 0 )); then
    { exec {_SHELLGUARD_W}>&- } 2>/dev/null
  fi
  if (( _SHELLGUARD_R >= 0 )); then
    { exec {_SHELLGUARD_R}<&- } 2>/dev/null
  fi
  if (( _SHELLGUARD_K >= 0 )); then
    { exec {_SHELLGUARD_K}<&- } 2>/dev/null
  fi
  _SHELLGUARD_W=-1 _SHELLGUARD_R=-1 _SHELLGUARD_K=-1 _SHELLGUARD_BUF=
  if (( _SHELLGUARD_PID > 0 )); then
    # CONT after TERM: a stopped (hung) process only acts on the TERM once it runs.
    builtin kill -TERM $_SHELLGUARD_PID 2>/dev/null && builtin kill -CONT $_SHELLGUARD_PID 2>/dev/null
  fi
  _SHELLGUARD_PID=0
}

_shellguard_start() {
  # Start `shellguard serve` in the background. Nothing here waits for the child (not
  # even for it to open the FIFOs), so the prompt is not held up on a busy machine.
  emulate -L zsh
  _shellguard_stop
  builtin zmodload zsh/system zsh/datetime 2>/dev/null
  builtin zmodload -F zsh/files b:zf_mkdir b:zf_rm 2>/dev/null
  _shellguard_find_python || return 1
  # Poll for answers only where another CPU can run the co-process meanwhile (no
  # /proc: assume so). $(<file) forks nothing.
  local cpus=
  [[ -r /proc/self/status ]] && cpus=${${(M)${(f)"$(</proc/self/status)"}:#Cpus_allowed_list:*}#*:}
  [[ -z $cpus || $cpus == *[-,]* ]] && _SHELLGUARD_SPIN=0.0005 || _SHELLGUARD_SPIN=0
  local state=${XDG_STATE_HOME:-$HOME/.local/state}/shellguard
  [[ -d $state ]] || zf_mkdir -p -m 700 -- $state 2>/dev/null
  local base=${XDG_RUNTIME_DIR:-${TMPDIR:-/tmp}} dir
  dir=${base%/}/shellguard-zsh.$$.$RANDOM$RANDOM
  # mkdir refuses an existing name, so nobody can hand us a prepared FIFO.
  zf_mkdir -m 700 -- $dir 2>/dev/null || return 1
  if ! builtin command mkfifo -m 600 -- $dir/q $dir/a 2>/dev/null; then
    zf_rm -rf -- $dir
    return 1
  fi
  # Our ends first, none of them waiting: a read end of the request FIFO that we keep
  # (K) lets our writer open at once, and means a write to a dead co-process can
  # never raise SIGPIPE (which would end the shell); the reply FIFO is opened
  # non-blocking (sysread -t polls before it reads).
  if ! { sysopen -r -o cloexec,nonblock -u _SHELLGUARD_K $dir/q &&
         sysopen -w -o cloexec -u _SHELLGUARD_W $dir/q &&
         sysopen -r -o cloexec,nonblock -u _SHELLGUARD_R $dir/a }; then
    zf_rm -rf -- $dir
    _shellguard_stop
    return 1
  fi
  local py=$_SHELLGUARD_PYTHON log=$state/serve.log
  # `&!` disowns at birth: no job line, no "you have running jobs". The child opens the
  # FIFOs (at once: both have their other end open), removes their directory, and
  # becomes Python. cd / so that it keeps no directory busy; -P keeps the current
  # directory off sys.path.
  (
    builtin cd -q / 2>/dev/null
    exec <$dir/q >$dir/a 2>>$log
    zf_rm -rf -- $dir
    exec $py -P -m shellguard serve
  ) &!
  _SHELLGUARD_PID=$!
  _SHELLGUARD_FRESH=1
  # Answers to prefetch requests are read while zle waits for keys.
  builtin zle -F $_SHELLGUARD_R _shellguard_prefetched 2>/dev/null && _SHELLGUARD_PRE_FD=$_SHELLGUARD_R
  return 0
}

_shellguard_send() {
  # Write one line. (internal) No SIGPIPE is possible: we hold a read end of the FIFO
  # ourselves (K). For the same reason a write larger than the pipe could wait forever
  # on a dead co-process, so such a line is not sent (the caller asks instead).
  (( ${#1} < 60000 )) || return 2
  builtin print -r -u $_SHELLGUARD_W -- $1 2>/dev/null
}

_shellguard_pop() {
  # Take one whole line off the read buffer into REPLY, and its id into _SHELLGUARD_GOT
  # (-1 when it is not a reply); 1 when no whole line is there yet. (internal)
  [[ $_SHELLGUARD_BUF == *$'\n'* ]] || return 1
  REPLY=${_SHELLGUARD_BUF%%$'\n'*}
  # (an offset, not ${BUF#*$'\n'}: zsh matches a leading * slowly, ~0.15 ms here)
  _SHELLGUARD_BUF=${_SHELLGUARD_BUF:$(( ${#REPLY} + 1 ))}
  _SHELLGUARD_GOT=-1
  [[ $REPLY == '{"id":'<->,* ]] && _SHELLGUARD_GOT=${${REPLY#\{\"id\":}%%,*}
  return 0
}

_shellguard_recv() {
  # Read the answer with id $1 within $2 seconds into REPLY. (internal)
  # 0 answered, 1 timed out, 2 garbled or out of step, 3 end of file.
  # One sysread normally brings the whole line (the server writes it in one go).
  local -i id=$1
  local chunk start=$EPOCHREALTIME
  local -F left=$2
  if [[ -z $_SHELLGUARD_BUF ]]; then
    # The usual case without a call to _shellguard_pop (a call costs ~9 us): nothing
    # was buffered, and the read brings this answer whole and nothing else.
    # With more than one CPU, poll for up to _SHELLGUARD_SPIN seconds before sleeping
    # in the read: the co-process answers a rule in ~0.1 ms, and waking a shell that
    # sleeps costs about as much again. When no answer came meanwhile, the other CPUs
    # are busy (the poll then only keeps the co-process from running) or the question
    # is slow: no polling for the next 100 reads. (bench/shell_hook.py)
    local -i rc=4
    if (( _SHELLGUARD_SPIN )); then
      if (( _SHELLGUARD_NOSPIN )); then
        (( _SHELLGUARD_NOSPIN-- ))
      else
        local -F until=$(( start + _SHELLGUARD_SPIN ))
        while sysread -t 0 -i $_SHELLGUARD_R chunk; rc=$?; (( rc == 4 && EPOCHREALTIME < until )); do
          :
        done
        (( rc == 4 )) && _SHELLGUARD_NOSPIN=100
      fi
    fi
    (( rc == 4 )) && { sysread -t $left -i $_SHELLGUARD_R chunk; rc=$? }
    case $rc in
      0) ;;
      4) return 1 ;;
      *) return 3 ;;
    esac
    if [[ $chunk == "{\"id\":$id,"*$'\n' && $chunk != *$'\n'?* ]]; then
      REPLY=${chunk%$'\n'} _SHELLGUARD_GOT=$id
      return 0
    fi
    _SHELLGUARD_BUF=$chunk
    left=$(( $2 - (EPOCHREALTIME - start) ))
    (( left > 0 )) || left=0.001     # (what came is looked at first, below)
  fi
  while true; do
    if _shellguard_pop; then
      (( _SHELLGUARD_GOT == id )) && return 0
      # the late answer to an earlier request (an answer report, a prefetch given up)
      (( _SHELLGUARD_GOT >= 0 && _SHELLGUARD_GOT < id )) && continue
      return 2
    fi
    sysread -t $left -i $_SHELLGUARD_R chunk
    case $? in
      0) _SHELLGUARD_BUF+=$chunk ;;
      4) return 1 ;;
      *) return 3 ;;
    esac
    left=$(( $2 - (EPOCHREALTIME - start) ))
    (( left > 0 )) || return 1
  done
}

_shellguard_parse() {
  # Read a reply (REPLY) into _SHELLGUARD_CLASS/ACTION/REASON and _SHELLGUARD_NEW_READS;
  # fails if it is not one. (internal) The keys come in a fixed order
  # (shellguard/protocol.py) and strings hold no bare quote, so splitting at quotes
  # finds every field; a zsh regex costs ~0.25 ms to compile.
  local class action reason prefixes=
  if [[ $REPLY != *\\\"* ]]; then
    local -a p=("${(@ps:\x22:)REPLY}")
    local -i o=0
    [[ $p[12] == read_prefixes ]] && prefixes=$p[14] o=4
    [[ $p[2] == id && $p[4] == action && $p[8] == classification &&
       $p[12+o] == confidence && $p[14+o] == reasoning && $p[18+o] == source ]] || return 1
    action=$p[6] class=$p[10] reason=$p[16+o]
  else
    # A reason with a quote in it: cut at the keys instead (slower, rare).
    action=${REPLY#*,\"action\":\"} class=${REPLY#*,\"classification\":\"}
    reason=${REPLY#*,\"reasoning\":\"}
    action=${action%%\"*} class=${class%%\"*} reason=${reason%\",\"source\":\"*}
    [[ $REPLY == *',"read_prefixes":"'* ]] && prefixes=${${REPLY#*,\"read_prefixes\":\"}%%\"*}
  fi
  [[ -n $class && $class != *[^A-Z]* && $action == (allow|confirm|deny) ]] || return 1
  if [[ $reason == *\\* ]]; then
    reason=${reason//\\\"/\"}
    reason=${reason//\\\//\/}
    builtin print -v reason -- $reason      # \\ \n \t \uXXXX
  fi
  _SHELLGUARD_CLASS=$class _SHELLGUARD_ACTION=$action _SHELLGUARD_NEW_READS=$prefixes
  _SHELLGUARD_REASON=${reason//[[:cntrl:]]/ } _SHELLGUARD_NEW_TABLE=
  if [[ $REPLY == *',"read_table":"'* ]]; then
    _SHELLGUARD_NEW_TABLE=${${REPLY##*,\"read_table\":\"}%%\"*}
  fi
}

_shellguard_allowed_head() {
  # Is REPLY (the answer to request $1, or else _SHELLGUARD_ID) an "allow"? Then take
  # the class and the read-only prefixes from its head and skip the rest (see
  # _shellguard_parse). (internal)
  local head="{\"id\":${1:-$_SHELLGUARD_ID},\"action\":\"allow\",\"classification\":\""
  [[ $REPLY == "$head"* ]] || return 1
  local rest=${REPLY:${#head}} class
  class=${rest%%\"*}
  [[ -n $class && $class != *[^A-Z]* ]] || return 1
  rest=${rest:$(( ${#class} + 1 ))}
  _SHELLGUARD_NEW_READS= _SHELLGUARD_NEW_TABLE=
  [[ $rest == ',"read_prefixes":"'* ]] && _SHELLGUARD_NEW_READS=${${rest:18}%%\"*}
  [[ $rest == *',"read_table":"'* ]] &&
    _SHELLGUARD_NEW_TABLE=${${rest##*,\"read_table\":\"}%%\"*}
  _SHELLGUARD_CLASS=$class _SHELLGUARD_ACTION=allow _SHELLGUARD_REASON=
}

_shellguard_query() {
  # Classify $1 (with $2 = yes|no|always: report that answer instead, and do not wait
  # for the reply). Sets _SHELLGUARD_CLASS/ACTION/REASON and _SHELLGUARD_NEW_READS;
  # returns 1 (and the safe answer "confirm") when no answer can be had. (internal)
  # Here only the usual case, with as few steps as can be (this runs on Enter for every
  # new line): a running co-process, a line with nothing to escape, the timeout
  # checked before. _shellguard_query_full does the rest.
  if (( _SHELLGUARD_PID <= 0 || _SHELLGUARD_FRESH || ${#1} >= 60000 )) ||
     [[ -n ${2-} || $1 == *[\\\"[:cntrl:]]* || $_SHELLGUARD_CWD_FOR != $PWD ||
        ${SHELLGUARD_TIMEOUT-} != $_SHELLGUARD_TIMEOUT_FOR ]]; then
    _shellguard_query_full "$@"
    return
  fi
  [[ $1 == $_SHELLGUARD_AW_FOR && -n $1 ]] || _shellguard_alias_words $1
  _SHELLGUARD_PRE_ID=0        # a prefetch in flight is given up: its reply is skipped
  (( ++_SHELLGUARD_ID ))
  # (No SIGPIPE: see _shellguard_send.)
  if ! builtin print -r -u $_SHELLGUARD_W -- "{\"id\":$_SHELLGUARD_ID,\"command\":\"$1\",\"cwd\":\"$_SHELLGUARD_CWD_JSON\",\"shell\":\"zsh\"$_SHELLGUARD_AW}" 2>/dev/null; then
    _shellguard_stop
    _shellguard_query_full $1
    return
  fi
  local REPLY
  _shellguard_recv $_SHELLGUARD_ID $_SHELLGUARD_TIMEOUT_OK
  case $? in
    0) _shellguard_allowed_head || _shellguard_parse && return 0 ;;
    1)
      # See _shellguard_query_full.
      _shellguard_stop
      _shellguard_start
      _SHELLGUARD_CLASS=UNKNOWN _SHELLGUARD_ACTION=confirm
      _SHELLGUARD_REASON="no answer from the classifier within ${_SHELLGUARD_TIMEOUT_OK}s"
      return 1 ;;
  esac
  _shellguard_stop
  _shellguard_query_full $1      # it stopped or garbled its answer: ask a new one
}

_shellguard_query_full() {
  # _shellguard_query's other cases. (internal)
  local answer=${2-} esc cwd why= timeout aliased
  _SHELLGUARD_NEW_READS= _SHELLGUARD_NEW_TABLE=
  _shellguard_json_escape $1; esc=$REPLY
  _shellguard_alias_words $1
  aliased=$REPLY
  _shellguard_cwd_json; cwd=$REPLY
  local -i attempt rc
  for attempt in 1 2; do
    if (( _SHELLGUARD_PID <= 0 )) || ! builtin kill -0 $_SHELLGUARD_PID 2>/dev/null; then
      if ! _shellguard_start; then
        why="the classifier could not be started"
        break
      fi
    fi
    # A prefetch still in flight is given up: its reply is skipped below, as an old one.
    _SHELLGUARD_PRE_ID=0
    (( ++_SHELLGUARD_ID ))
    _shellguard_send "{\"id\":$_SHELLGUARD_ID,\"command\":\"$esc\",\"cwd\":\"$cwd\",\"shell\":\"zsh\"${answer:+,\"answer\":\"$answer\"}$aliased}"
    rc=$?
    if (( rc == 2 )); then
      why="the line is too long to classify here"
      break
    elif (( rc )); then
      why="the classifier stopped"
      _shellguard_stop
      continue
    fi
    # Answer reports are for the audit log: their replies are skipped by id later.
    [[ -n $answer ]] && return 0
    if (( _SHELLGUARD_FRESH )); then
      timeout=${SHELLGUARD_START_TIMEOUT:-20}
      [[ $timeout == <->(|.<->) ]] && (( timeout > 0 )) || timeout=20
    else
      timeout=${SHELLGUARD_TIMEOUT:-3}
      [[ $timeout == <->(|.<->) ]] && (( timeout > 0 )) || timeout=3
      _SHELLGUARD_TIMEOUT_FOR=${SHELLGUARD_TIMEOUT-} _SHELLGUARD_TIMEOUT_OK=$timeout
    fi
    _shellguard_recv $_SHELLGUARD_ID $timeout
    rc=$?
    if (( rc == 0 )); then
      if _shellguard_allowed_head || _shellguard_parse; then
        _SHELLGUARD_FRESH=0
        return 0
      fi
      rc=2
    fi
    if (( rc == 1 )); then
      # A hung classifier costs one timeout, then it is replaced (a late answer would
      # put the stream out of step) and the line is asked about.
      why="no answer from the classifier within ${timeout}s"
      _shellguard_stop
      _shellguard_start
      break
    fi
    why="the classifier stopped"
    (( rc == 2 )) && why="unreadable answer from the classifier"
    _shellguard_stop
  done
  _SHELLGUARD_CLASS=UNKNOWN _SHELLGUARD_ACTION=confirm
  _SHELLGUARD_REASON=$why      # details: 'shellguard status' names the log
  return 1
}

# -- prefetch: the answer is asked for while the line is typed -------------------------

_shellguard_prefetch() {
  # zle-line-pre-redraw (every key): send the text as it stands, unless an answer is
  # already on its way (one in flight: nothing can pile up in the pipe).
  emulate -L zsh
  (( _SHELLGUARD_PRE_FD >= 0 && ! _SHELLGUARD_PRE_ID )) || return 0
  local text=$PREBUFFER$BUFFER REPLY
  [[ $text == *[^[:space:]]* ]] || return 0
  (( ${#text} < 4096 )) || return 0           # a long paste: Enter asks
  _shellguard_alias_words $text
  local aliased=$REPLY key=$PWD$'\x1f'$text${REPLY:+$'\x1f'$REPLY}
  [[ $key != $_SHELLGUARD_PRE_SENT && $key != $_SHELLGUARD_PRE_KEY &&
     -z ${_SHELLGUARD_ALLOWED[$key]-} ]] || return 0
  [[ $CONTEXT == (start|cont) ]] || return 0
  _shellguard_disabled && return 0
  # Off with the cache. (Whether the config changed since is checked on Enter, which
  # then drops the answer.)
  [[ ${SHELLGUARD_CACHE:-1} != 0 ]] && (( ! _SHELLGUARD_CACHE_OFF )) || return 0
  local esc
  _shellguard_json_escape $text; esc=$REPLY
  _shellguard_cwd_json
  (( ++_SHELLGUARD_ID ))
  _shellguard_send "{\"id\":$_SHELLGUARD_ID,\"command\":\"$esc\",\"cwd\":\"$REPLY\",\"shell\":\"zsh\",\"prefetch\":true$aliased}" ||
    return 0
  _SHELLGUARD_PRE_ID=$_SHELLGUARD_ID _SHELLGUARD_PRE_SENT=$key
}

_shellguard_prefetched() {
  # zle -F handler on the reply FIFO ($1; $2 set on an error): keep an "allow" answer
  # to the prefetch in flight, for its text and directory; drop other lines (late
  # replies to answer reports, which nobody waits for).
  emulate -L zsh
  local chunk class table REPLY       # (REPLY local: a handler must not change the user's)
  if [[ -z ${2-} ]] && sysread -i $1 chunk 2>/dev/null; then
    _SHELLGUARD_BUF+=$chunk
  else
    # End of file or an error: the co-process is gone (the next Enter replaces it).
    # A FIFO at its end stays readable, so the handler must go, or zle would spin.
    (( $? == 5 )) || [[ -n ${2-} ]] || return 0     # 5: end of file
    builtin zle -F $1 2>/dev/null
    _SHELLGUARD_PRE_FD=-1 _SHELLGUARD_PRE_ID=0
    return 0
  fi
  while _shellguard_pop; do
    (( _SHELLGUARD_GOT > 0 && _SHELLGUARD_GOT == _SHELLGUARD_PRE_ID )) || continue
    _SHELLGUARD_PRE_ID=0
    class=${${REPLY#*,\"classification\":\"}%%\"*}
    # (strings in a reply escape their quotes: only the key itself can match)
    if [[ $REPLY == *',"action":"allow"'* && -n $class && $class != *[^A-Z]* ]]; then
      _SHELLGUARD_PRE_KEY=$_SHELLGUARD_PRE_SENT _SHELLGUARD_PRE_CLASS=$class
    fi
    # Kept under the stamp in force (the session's first check would drop them): the
    # config is read only when the co-process is not the one the stamp names, as in
    # _shellguard_classify, not at every key. (The prefetch was sent with the cache on;
    # a config change since is caught on Enter, which drops these with the cache.)
    [[ $REPLY == *'"read_prefixes":"'* ]] &&
      { [[ $_SHELLGUARD_CACHE_STAMP == "$_SHELLGUARD_PID"$'\x1f'* ]] || _shellguard_cache_usable } &&
      _shellguard_keep_reads ${${REPLY#*\"read_prefixes\":\"}%%\"*}
    if [[ $REPLY == *',"read_table":"'* ]]; then
      table=${${REPLY##*,\"read_table\":\"}%%\"*}
      [[ $table == $_SHELLGUARD_TABLE ]] || _SHELLGUARD_TABLE_NEXT=$table
    fi
  done
}

_shellguard_send_early() {
  # On Enter, before the shell's own checks (the parser probe, the caches): send the
  # line $1 as a prefetch, so that the classifier works while they run, and
  # _shellguard_classify waits for that answer instead of asking then. Only in the
  # usual case (see _shellguard_query), and never when every decision goes to the
  # audit log (a prefetch is not logged). A prefetch never runs the LLM, so a line
  # that turns out to continue on the next one costs the classifier microseconds.
  # (internal)
  emulate -L zsh
  (( _SHELLGUARD_PID > 0 && ! _SHELLGUARD_FRESH && ! _SHELLGUARD_CACHE_OFF && ${#1} < 4096 )) &&
    [[ $CONTEXT == (start|cont) && $1 == *[^[:space:]]* && $1 != *[\\\"[:cntrl:]]* &&
       $_SHELLGUARD_CWD_FOR == $PWD && ${SHELLGUARD_TIMEOUT-} == $_SHELLGUARD_TIMEOUT_FOR &&
       -z ${_SHELLGUARD_OFF-} && ( -z ${SHELLGUARD_DISABLE-} || $SHELLGUARD_DISABLE == 0 ) ]] ||
    return 0
  [[ $1 == $_SHELLGUARD_AW_FOR && -n $1 ]] || _shellguard_alias_words $1
  local key=$PWD$'\x1f'$1${_SHELLGUARD_AW:+$'\x1f'$_SHELLGUARD_AW}
  # (the same text may be on its way already, sent while it was typed)
  (( _SHELLGUARD_PRE_ID )) && [[ $key == $_SHELLGUARD_PRE_SENT ]] && return 0
  (( ++_SHELLGUARD_ID ))
  builtin print -r -u $_SHELLGUARD_W -- "{\"id\":$_SHELLGUARD_ID,\"command\":\"$1\",\"cwd\":\"$_SHELLGUARD_CWD_JSON\",\"shell\":\"zsh\",\"prefetch\":true$_SHELLGUARD_AW}" 2>/dev/null ||
    return 0
  _SHELLGUARD_PRE_ID=$_SHELLGUARD_ID _SHELLGUARD_PRE_SENT=$key
}

# -- deciding -------------------------------------------------------------------------

_shellguard_incomplete_extra() {
  # Cases the function-body parse accepts but the interactive parser continues.
  emulate -L zsh -o extended_glob
  local t=${1%%[[:space:]]#}
  [[ $t == *(\&\&|\|\||\||\|\&) ]] && return 0
  [[ ${(M)t%%\\#} == (\\\\)#\\ ]] && return 0          # an odd number of trailing backslashes
  if [[ $t == *'<<'* ]]; then                          # here-documents need their end line
    local rest=${t//'<<<'/} word after
    while [[ $rest =~ '<<(-?)[[:space:]]*["'\'']?([A-Za-z0-9_.:+-]+)' ]]; do
      word=$match[2] after=${rest:$MEND}
      [[ $'\n'$after$'\n' == *$'\n'$'\t'#${(b)word}$'\n'* ]] || return 0
      rest=$after
    done
  fi
  return 1
}

_shellguard_cache_usable() {
  # May the allow cache answer now? It is emptied when the config file changes or the
  # co-process is replaced, and off with SHELLGUARD_CACHE=0 or when the
  # config asks for every decision in the audit log (then the classifier must see
  # every line, and _SHELLGUARD_CACHE_OFF says so also with SHELLGUARD_CACHE=0).
  # (internal)
  local cfg=${SHELLGUARD_CONFIG-}
  if [[ -z $cfg ]]; then
    if [[ ${XDG_CONFIG_HOME-} == /* ]]; then
      cfg=$XDG_CONFIG_HOME/shellguard/config.toml
    else
      cfg=$HOME/.config/shellguard/config.toml
    fi
  fi
  # The (small) file itself is the stamp: $(<file) forks nothing and costs less than a
  # zstat, and it sees changes within one second, which an mtime does not.
  local content=
  [[ -f $cfg && -r $cfg ]] && content=$(<$cfg)
  if [[ "$_SHELLGUARD_PID"$'\x1f'"$cfg"$'\x1f'"$content" != $_SHELLGUARD_CACHE_STAMP ]]; then
    _SHELLGUARD_ALLOWED=() _SHELLGUARD_READS=() _SHELLGUARD_READ_STARTS=() _SHELLGUARD_WITH_ARG=()
    _SHELLGUARD_PRE_KEY=
    _SHELLGUARD_ALLOWED_N=0 _SHELLGUARD_READS_N=0 _SHELLGUARD_READS_MAX=1000
    _SHELLGUARD_TABLE= _SHELLGUARD_TABLE_NEXT= _SHELLGUARD_NEW_TABLE=
    _SHELLGUARD_CACHE_STAMP="$_SHELLGUARD_PID"$'\x1f'"$cfg"$'\x1f'"$content" _SHELLGUARD_CACHE_OFF=0
    [[ $content == *audit*all* ]] && _SHELLGUARD_CACHE_OFF=1
  fi
  [[ ${SHELLGUARD_CACHE:-1} != 0 ]] && (( ! _SHELLGUARD_CACHE_OFF ))
}

_shellguard_classify() {
  # 0 run, 1 ask, 2 refuse; _SHELLGUARD_CLASS/ACTION/REASON say why. (internal)
  # A line the classifier allowed in this directory is allowed again without asking
  # it (no round trip: most lines typed are repeats), until something changes.
  local text=$1
  # Our own switch: `shellguard on|status` cannot change anything; `off` is asked about.
  if [[ $text == *shellguard\ [os]* ]]; then
    local trimmed=${text#"${text%%[^[:space:]]*}"}
    case ${trimmed%"${trimmed##*[^[:space:]]}"} in
      'shellguard on'|'shellguard status') return 0 ;;
      'shellguard off')
        _SHELLGUARD_CLASS=UPDATE _SHELLGUARD_ACTION=confirm
        _SHELLGUARD_REASON="turns shellguard off in this shell"
        return 1 ;;
    esac
  fi
  local REPLY=$_SHELLGUARD_AW
  # (the words were looked up on this Enter already, as a rule)
  [[ $text == $_SHELLGUARD_AW_FOR && -n $text ]] || _shellguard_alias_words $text
  local key=$PWD$'\x1f'$text${REPLY:+$'\x1f'$REPLY} typed=0
  # The config is read (and a change empties the caches) before a cached answer is
  # used, not before the co-process answers: it reads the config itself, and never
  # lets a prefetch allow when every decision must reach the audit log.
  if [[ -n ${_SHELLGUARD_ALLOWED[$key]-} || $key == $_SHELLGUARD_PRE_KEY ]] &&
     _shellguard_cache_usable; then
    if [[ -n ${_SHELLGUARD_ALLOWED[$key]-} ]]; then
      _SHELLGUARD_CLASS=${_SHELLGUARD_ALLOWED[$key]} _SHELLGUARD_ACTION=allow
      _SHELLGUARD_REASON="allowed before in this directory"
      return 0
    fi
    if [[ $key == $_SHELLGUARD_PRE_KEY ]]; then
      # The classifier allowed this very text while it was typed.
      _SHELLGUARD_CLASS=$_SHELLGUARD_PRE_CLASS _SHELLGUARD_ACTION=allow
      _SHELLGUARD_REASON="allowed by the rules while it was typed"
      _SHELLGUARD_NEW_READS= _SHELLGUARD_NEW_TABLE=
      typed=1
    fi
  fi
  if (( typed )); then
    :     # (its answer came while it was typed)
  elif (( _SHELLGUARD_PRE_ID && ! _SHELLGUARD_CACHE_OFF )) && [[ $key == $_SHELLGUARD_PRE_SENT ]]; then
    # The prefetch in flight was sent for this very line (on Enter or while it was
    # typed): its answer holds when it allows; when none comes in time, as in
    # _shellguard_query, the co-process is replaced and the safe answer set. Any other
    # answer: the full question. (Inline, like the rest of this path: a function call
    # costs ~10 us.)
    local -i id=$_SHELLGUARD_PRE_ID
    _SHELLGUARD_PRE_ID=0
    _shellguard_recv $id $_SHELLGUARD_TIMEOUT_OK
    case $? in
      0) _shellguard_allowed_head $id || _shellguard_query $text ;;
      1)
        _shellguard_stop
        _shellguard_start
        _SHELLGUARD_CLASS=UNKNOWN _SHELLGUARD_ACTION=confirm
        _SHELLGUARD_NEW_READS= _SHELLGUARD_NEW_TABLE=
        _SHELLGUARD_REASON="no answer from the classifier within ${_SHELLGUARD_TIMEOUT_OK}s" ;;
      *) _shellguard_query $text ;;
    esac
  else
    _shellguard_query $text
  fi
  # The config is read again only when the co-process changed meanwhile (a first
  # answer, kept under the old stamp, would go with the caches at the next check):
  # a config change is caught there, and empties the caches, this entry too.
  if [[ $_SHELLGUARD_ACTION == allow || -n $_SHELLGUARD_NEW_READS ]] &&
     { [[ $_SHELLGUARD_CACHE_STAMP == "$_SHELLGUARD_PID"$'\x1f'* ]] || _shellguard_cache_usable } &&
     [[ ${SHELLGUARD_CACHE:-1} != 0 ]] && (( ! _SHELLGUARD_CACHE_OFF )); then
    if [[ $_SHELLGUARD_ACTION == allow ]]; then
      # (a bound on its size: ${#hash} walks the whole hash)
      (( _SHELLGUARD_ALLOWED_N < 500 )) || _SHELLGUARD_ALLOWED=() _SHELLGUARD_ALLOWED_N=0
      _SHELLGUARD_ALLOWED[$key]=$_SHELLGUARD_CLASS
      (( ++_SHELLGUARD_ALLOWED_N ))
    fi
    [[ -n $_SHELLGUARD_NEW_READS ]] && _shellguard_keep_reads $_SHELLGUARD_NEW_READS
  fi
  if [[ -n $_SHELLGUARD_NEW_TABLE ]]; then
    # (loaded before the next prompt, under the stamp then in force)
    [[ $_SHELLGUARD_NEW_TABLE == $_SHELLGUARD_TABLE ]] || _SHELLGUARD_TABLE_NEXT=$_SHELLGUARD_NEW_TABLE
    _SHELLGUARD_NEW_TABLE=
  fi
  case $_SHELLGUARD_ACTION in
    allow) return 0 ;;
    deny) return 2 ;;
  esac
  return 1
}

_shellguard_keep_reads() {
  # Keep the read-only prefixes a reply named ($1: "ls,git status -c --exec,gh pr
  # =create"): after those words, any words but those exceptions (options, and =words)
  # only read (RuleSet.read_only_prefix). (internal)
  emulate -L zsh
  local entry words
  (( _SHELLGUARD_READS_N < _SHELLGUARD_READS_MAX )) ||
    _SHELLGUARD_READS=() _SHELLGUARD_READ_STARTS=() _SHELLGUARD_WITH_ARG=() _SHELLGUARD_READS_N=0 \
      _SHELLGUARD_READS_MAX=1000 _SHELLGUARD_TABLE=
  for entry in ${(s:,:)1}; do
    words=${entry%% [-=+]*}
    _SHELLGUARD_READS[$words]="${entry#$words} "
    # its starts: the first word, and the first two of three (read_table.py)
    _SHELLGUARD_READ_STARTS[${words%% *}]=1
    [[ $words == *' '*' '* ]] && _SHELLGUARD_READ_STARTS[${words% *}]=1
    (( ++_SHELLGUARD_READS_N ))
  done
}

_shellguard_load_table() {
  # Load the read table a reply named (shellguard/read_table.py, in the cache
  # directory as the co-process found it in the environment): the read-only
  # prefixes of every program on PATH, so that a plain line of them runs without a
  # round trip from its first use (~3 ms for this machine's 1,500). Its lines: a
  # header, how many prefixes, how many programs' options that take a value, each
  # prefix and its exceptions, each such program and its options, then each start of
  # a prefix and 1; added to those kept before. Only under the stamp the reply came
  # under (internal)
  emulate -L zsh
  local name=$_SHELLGUARD_TABLE_NEXT file
  _SHELLGUARD_TABLE_NEXT=
  if [[ ${XDG_CACHE_HOME-} == /* ]]; then
    file=$XDG_CACHE_HOME/shellguard/read-tables/$name.3.zsh
  else
    file=$HOME/.cache/shellguard/read-tables/$name.3.zsh
  fi
  [[ $_SHELLGUARD_CACHE_STAMP == "$_SHELLGUARD_PID"$'\x1f'* && -n $name &&
     $name != *[^0-9a-f]* && -f $file && -r $file && -O $file ]] || return 0
  local -a lines=( "${(@f)$(<$file)}" )
  local -i n=${lines[2]:-0} k=${lines[3]:-0}
  [[ $lines[1] == 'shellguard read table 3' && $lines[2] == <1-> && $lines[3] == <0-> ]] &&
    (( $#lines >= 2 * (n + k) + 3 && $#lines % 2 == 1 )) || return 0
  _SHELLGUARD_READS+=( "${(@)lines[4,2*n+3]}" )
  (( k )) && _SHELLGUARD_WITH_ARG+=( "${(@)lines[2*n+4,2*(n+k)+3]}" )
  _SHELLGUARD_READ_STARTS+=( "${(@)lines[2*(n+k)+4,-1]}" )
  (( _SHELLGUARD_READS_N += n, _SHELLGUARD_READS_MAX = _SHELLGUARD_READS_N + 1000 ))
  _SHELLGUARD_TABLE=$name
}

_shellguard_plain_reads() {
  # Is $1 a plain line (shellguard/parse/plain.py: no expansion, grouping,
  # continuation or tab, no redirection but those that change nothing, so it splits at
  # | & ; and spaces as zsh splits it)
  # whose every command, its aliases expanded, starts with a kept read-only prefix,
  # with none of its options after? (Any word may be looked up: an expanded subscript
  # is a plain key.) (internal)
  emulate -L zsh
  # Not a line longer than 4096 characters (plain.py's MAX_PLAIN_LINE): the expansions
  # below cost time in proportion to it.
  (( ${#1} <= 4096 )) || return 1
  local t=${1%"${1##*[^ ]}"}
  # Most lines that fail do so at their first word: no kept prefix starts with it.
  local line=${t#"${t%%[^ ]*}"}
  local first=${line%%[ \|\&\;]*}
  [[ -n $first && ( -n ${_SHELLGUARD_READ_STARTS[$first]-} || -n ${aliases[$first]+1} ||
                    -n ${_SHELLGUARD_WRAPPERS[$first]+1} ) ]] || return 1
  # Most that pass it fail at the next: unless the first word is kept alone, is an
  # alias or a wrapper, a kept prefix goes on with the next word (a prefix, or the start of
  # one of three: a quoted one or a redirection is left to the rest). (Lookups by key: a pattern match
  # on a long value costs ~80 us.)
  if [[ -z ${_SHELLGUARD_READS[$first]+1} && -z ${aliases[$first]+1} && -z ${_SHELLGUARD_WRAPPERS[$first]+1} ]]; then
    local next=${line:${#first}}
    next=${next#"${next%%[^ ]*}"}
    next=${next%%[ \|\&\;]*}
    [[ $next == *[\'\"\>]* ||
       ( -n $next && ( -n ${_SHELLGUARD_READS[$first $next]+1} ||
                       -n ${_SHELLGUARD_READ_STARTS[$first $next]+1} ) ) ||
       ( $next == -?* && -n ${_SHELLGUARD_WITH_ARG[$first]+1} ) ]] || return 1
  fi
  # the pieces of the line (split at each | & ;, from 0) that hold a quoted part
  local -i quoted=0 piece=-1
  local pieces=' '
  if [[ $t == *[\'\"]* ]]; then
    # Quoted parts (plain.py's unquote): data that nothing expands, never in a first
    # word; their text stands in, its other characters turned into _.
    local in=$t out= before body q=${t//[^\'\"]/}
    # (bounded: each quote costs a few scans of the line)
    [[ ${#t} -le 400 && ${#q} -le 24 && $t != *[^\ -~]* ]] || return 1
    while [[ $in == *[\'\"]* ]]; do
      before=${in%%[\'\"]*}
      out+=$before
      q=${in:${#before}:1}
      in=${in:$(( ${#before} + 1 ))}
      before=${out%"${out##*[\ \|\&\;]}"}     # the words before this one
      before=${before%"${before##*[^ ]}"}
      [[ -n $before && $before != *[\|\&\;] && $in == *$q* ]] || return 1
      body=${in%%$q*}
      in=${in:$(( ${#body} + 1 ))}
      [[ $q == "'" || ( $body != *[\$\`!]* && $body != *\\ ) ]] || return 1
      # (the & of a redirection is no separator: 2>&1, &>)
      before=$out
      [[ $before == *'>'* ]] && before=${${before//\>\&/}//\&\>/}
      before=${before//[^|&;]/}
      pieces+="${#before} "
      body=${body//[^[:alnum:]_.\/:=,@%+~*?-]/_}
      out+=${body:-_}
    done
    t=$out$in
  fi
  # Redirections that change nothing (plain.py's drop_redirections): output thrown away
  # or sent to the other output, each a word of its own after its command's first word.
  if [[ $t == *'>'* ]]; then
    local in=$t out= head= fd=
    while [[ $in == *'>'* ]]; do
      head=${in%%'>'*}
      in=${in:$(( ${#head} + 1 ))}
      fd=${head##* }
      [[ $head == *' '* && ( -z $fd || $fd == [12\&] ) ]] || return 1
      out+=${head%" $fd"}
      head=${out%"${out##*[^ ]}"}
      [[ -n $head && $head != *[\|\&\;] ]] || return 1
      if [[ $fd != '&' && $in == '&'[12]* ]]; then
        in=${in:2}
      else
        [[ $in == '>'* ]] && in=${in:1}
        in=${in#"${in%%[^ ]*}"}
        [[ $in == /dev/null* ]] || return 1
        in=${in:9}
      fi
      [[ -z $in || $in == [\ \|\&\;]* ]] || return 1
    done
    t=$out$in
  fi
  [[ -n $t && $t != *[^[:alnum:]\ _./:=,@%+~*?\|\&\;-]* && $t != *(\||\|\&|\&\&) ]] ||
    return 1
  local IFS=' ' rest=$t cmd unless word opt text key with spec
  local -i at size
  local -a w skipped
  local -A seen
  while [[ -n $rest ]]; do
    cmd=${rest%%[\|\&\;]*}
    rest=${rest:$(( ${#cmd} + 1 ))}
    piece=$(( piece + 1 ))
    w=(${=cmd})
    (( $#w )) || continue
    quoted=0
    [[ $pieces == *" $piece "* ]] && quoted=1
    # a global alias changes the line's shape (`G` for `| grep`): the classifier decides
    if (( ${#galiases} )); then
      for word in $w; do (( ${+galiases[$word]} )) && return 1; done
    fi
    # the aliases zsh will expand first (plain.py's expand_plain_aliases)
    seen=()
    while [[ -n ${aliases[$w[1]]+1} && -z ${seen[$w[1]]+1} ]]; do
      seen[$w[1]]=1
      text=$aliases[$w[1]]
      [[ $text == *[^\ ] && $text != *[^[:alnum:]\ _./:=,@%+~*?-]* ]] || return 1
      w=(${=text} $w[2,-1])
      if (( ${#galiases} )); then
        for word in $w; do (( ${+galiases[$word]} )) && return 1; done
      fi
    done
    # wrappers run the command after them (plain.py's past_wrappers): their own options
    # looked past, and nothing else
    while [[ -n ${_SHELLGUARD_WRAPPERS[$w[1]]+1} ]]; do
      spec=$_SHELLGUARD_WRAPPERS[$w[1]] at=2
      while [[ $w[at] == -* ]]; do
        word=$w[at]
        [[ $word == --* ]] && opt=${word%%=*} || opt=${word[1,2]}
        if [[ ${spec%%|*} == *" $word "* ]]; then
          (( at++ ))
        elif [[ ${${spec#*|}%|*} == *" $opt "* && $word != $opt ]]; then
          [[ $word != *[*?]* ]] || return 1        # --signal=KILL, -uroot
          (( at++ ))
        elif [[ ${${spec#*|}%|*} == *" $word "* ]] && (( at < $#w )) && [[ $w[at+1] != *[*?]* ]]; then
          (( at += 2 ))
        else
          return 1
        fi
      done
      if [[ $spec == *d ]]; then
        [[ $w[at] == <->(|.<->)(|[smhd]) ]] || return 1
        (( at++ ))
      fi
      (( at <= $#w )) && [[ $w[at] != -* ]] || return 1
      # (watch joins the words and runs them with sh -c: quoted or pattern words could
      # be more than one word there)
      [[ $spec == *r && ( $quoted != 0 || "$w[at,-1]" == *[*?]* ) ]] && return 1
      w=($w[at,-1])
    done
    # the program and up to two subcommand words (`gh pr list`), shortest first; options
    # before them looked past when the program's that take a value are known
    # (plain.py's prefix_split)
    key=$w[1] at=2 size=1 skipped=()
    unless=${_SHELLGUARD_READS[$key]-}
    while [[ -z $unless ]] && (( size++ < 3 )); do
      while [[ $w[at] == -?* ]]; do
        # (only in a line without quotes: `-''` is `-`, no option)
        (( quoted )) && return 1
        with=${_SHELLGUARD_WITH_ARG[$w[1]]-}
        [[ -n $with && $w[at] != (--|*[*?]*) ]] || return 1
        skipped+=($w[at])
        if [[ $with == *" $w[at] "* ]]; then
          (( at++ < $#w )) && [[ $w[at] != *[*?]* ]] || return 1
          skipped+=($w[at])
        fi
        (( at++ ))
      done
      (( at <= $#w )) || return 1
      key+=" $w[at]"
      (( at++ ))
      unless=${_SHELLGUARD_READS[$key]-}
    done
    [[ -n $unless ]] || return 1
    [[ $unless == ' ' ]] && continue
    # a quoted word is not the text that stands in for it: no word exception or needed
    # option holds then
    (( quoted )) && [[ $unless == *' '[=+]* ]] && return 1
    if [[ $unless == *' +'* ]]; then
      # the first word must be one of the options the prefix needs (`crontab -l`: +-l),
      # a short one also in a cluster of letters (-ln); not --list=x for +--list, which
      # may switch it off (--dry-run=false)
      word=$w[at]
      if ! [[ -n $word && $unless == *" +$word "* ]]; then
        [[ $word == -[a-zA-Z][a-zA-Z]* && $word != *[^a-zA-Z-]* && $word != -*-* ]] || return 1
        for opt in ${(s::)word[2,-1]}; do
          [[ $unless == *" +-$opt "* ]] && break
        done
        [[ $unless == *" +-$opt "* ]] || return 1
      fi
    fi
    for word in $skipped $w[at,-1]; do
      if [[ $word != -* ]]; then
        # a word a rule that does more than read takes as its subcommand (=install)
        [[ $unless == *" =$word "* ]] && return 1
        continue
      fi
      # The loop over the exceptions only when one may hold: one that starts as the
      # word does, or, for a cluster of short options, one of its letters (-xo for -o).
      if [[ $word == --* ]]; then
        [[ $unless == *" ${word[1,3]}"* ]] || continue
      elif [[ $unless != *" ${word[1,2]}"* ]]; then
        for opt in ${(s::)word[3,-1]}; do
          [[ $unless == *" -$opt "* ]] && return 1
        done
        continue
      fi
      for opt in ${=unless}; do
        # --output, --output=x, -ofile; --outp (a long option abbreviated, as the rules
        # take it); and -o inside a cluster such as -xo. (--dry-run=: only with a value,
        # which may switch off an option the prefix needs)
        [[ $word == ${opt}* ||
           ( $word == --?* && ( $opt != *= || $word == *=* ) && $opt == ${word%%=*}* ) ||
           ( $opt == -[^-] && $word == -[^-]*${opt[2]}* ) ]] && return 1
      done
    done
  done
  return 0
}

_shellguard_colour() {
  emulate -L zsh
  case ${SHELLGUARD_COLOR:-auto} in
    never) return 1 ;;
    always) return 0 ;;
  esac
  [[ -z ${NO_COLOR-} && -n $TERM && $TERM != dumb ]] || return 1
  (( ${+terminfo} )) || builtin zmodload zsh/terminfo 2>/dev/null
  (( ${terminfo[colors]:-0} >= 8 ))
}

_shellguard_class_style() {
  emulate -L zsh
  case $1 in
    DELETE) REPLY='fg=red,bold' ;;
    UPDATE) REPLY='fg=yellow,bold' ;;
    CREATE) REPLY='fg=cyan,bold' ;;
    *) REPLY='fg=magenta,bold' ;;
  esac
}

_shellguard_history_add() {
  # Make a refused line recallable with Up. Added at the next precmd: when a multi-line
  # construct is aborted, zsh files its partial lines as an entry of their own, and the
  # whole construct must come after that one to be what Up shows first.
  emulate -L zsh
  [[ -o histignorespace && $1 == [[:space:]]* ]] && return 0
  _SHELLGUARD_HISTORY=${1%$'\n'}
}

_shellguard_drain() {
  # Keys typed before the question must not answer it.
  emulate -L zsh
  local k
  while builtin read -t 0 -k 1 k 2>/dev/null; do :; done
}

_shellguard_key_answer() {
  emulate -L zsh
  case $1 in
    [yY]) REPLY=yes ;;
    [aA]) REPLY=always ;;
    *) REPLY=no ;;
  esac
}

_shellguard_ask_zle() {
  # Ask below the command line (POSTDISPLAY, coloured with region_highlight: zle -R
  # and zle -M messages cannot carry colour). Answer in REPLY: yes | always | no.
  emulate -L zsh
  local head="shellguard: $_SHELLGUARD_CLASS" q key=
  q=$'\n'"$head  $_SHELLGUARD_REASON"$'\n'"Proceed? [y/N/a] "
  local -i off=$(( ${#PREDISPLAY} + ${#BUFFER} ))
  local -a marks=()
  if _shellguard_colour; then
    _shellguard_class_style $_SHELLGUARD_CLASS
    marks=("P$(( off + 1 )) $(( off + 1 + ${#head} )) $REPLY${_SHELLGUARD_MEMO}"
           "P$(( off + ${#q} - 17 )) $(( off + ${#q} )) bold${_SHELLGUARD_MEMO}")
  fi
  _shellguard_drain
  POSTDISPLAY=$q
  region_highlight+=($marks)
  CURSOR=${#BUFFER}
  builtin zle -R
  {
    builtin read -k 1 key
  } always {
    # Ctrl-C aborts the widget (and so the line); still leave the line recallable.
    if (( TRY_BLOCK_INTERRUPT || TRY_BLOCK_ERROR )); then
      POSTDISPLAY=
      _shellguard_history_add $PREBUFFER$BUFFER
      _SHELLGUARD_NOTE="not run (Up recalls the line)"
      _shellguard_query "$PREBUFFER$BUFFER" no
    fi
  }
  _shellguard_drain                    # the rest of an escape sequence, say
  _shellguard_key_answer $key
  local shown=${${REPLY/yes/y}/always/a}
  [[ $REPLY == no ]] && shown=n
  POSTDISPLAY=$q$shown
  builtin zle -R
  region_highlight=(${region_highlight:#(${(j:|:)${(@b)marks}})})
}

_shellguard_always() {
  # The "a" answer: record it through the CLI (config.append_always).
  emulate -L zsh
  _shellguard_find_python || return 1
  "$_SHELLGUARD_PYTHON" -P -m shellguard allow --always --cwd "$PWD" -- "$1"
}

_shellguard_parses() {
  # Does zsh's parser take $1 as it is (0), or does it need more lines (1)? Defining a
  # function from the text parses it without running anything. No `emulate` here: the
  # probe must parse with the user's own options (interactive_comments, ...), so it is
  # called before the caller's `emulate -L zsh`.
  builtin unfunction _shellguard_probe 2>/dev/null
  { functions[_shellguard_probe]=$1 } 2>/dev/null
  (( ${+functions[_shellguard_probe]} )) || return 1
  builtin unfunction _shellguard_probe 2>/dev/null
  return 0
}

_shellguard_line_finish() {
  # Runs after every accepting widget, before the line is parsed and run.
  # Only text with a quote, bracket, backslash, operator, newline or a keyword first
  # can leave a construct open; only then is the parser probe (~90 us) worth it.
  # (case patterns, unlike [[ ]] ones, mean the same under every option.)
  local _sg_text=$PREBUFFER$BUFFER
  local -i _sg_incomplete=2 _sg_plain=0
  # (A line allowed here needs no probe: if zsh wants more lines after all, the last
  # line's hook sees the whole construct. Whether the cache holds is checked later.
  # Nor does a plain line of commands known to read: it is complete.)
  if [[ -z ${_SHELLGUARD_ALLOWED[$PWD$'\x1f'$_sg_text]-} &&
        $PWD$'\x1f'$_sg_text != $_SHELLGUARD_PRE_KEY ]]; then
    # (the plain check's first step, its most common failure, without calling it)
    local _sg_first=${_sg_text%%[ \|\&\;]*}
    if (( _SHELLGUARD_READS_N )) &&
       [[ -z $_sg_first || -n ${_SHELLGUARD_READ_STARTS[$_sg_first]-} || -n ${aliases[$_sg_first]+1} ||
          -n ${_SHELLGUARD_WRAPPERS[$_sg_first]+1} ]] &&
       _shellguard_plain_reads "$_sg_text"; then
      _sg_plain=1
    else
      _shellguard_send_early "$_sg_text"
      case $_sg_text in
        *[\'\"\`\\\(\)\{\}\[\]\|\&\<\;$'\n']*) _sg_incomplete=0 ;;
      esac
      case ${${_sg_text#"${_sg_text%%[^[:space:]]*}"}%% *} in
        for|while|until|if|case|select|function|repeat|foreach|coproc|do|then|else|elif|time|nocorrect|noglob) _sg_incomplete=0 ;;
      esac
    fi
  fi
  if (( _sg_incomplete == 0 )); then
    _shellguard_parses "$_sg_text"
    _sg_incomplete=$?
  fi
  emulate -L zsh
  [[ $CONTEXT == (start|cont) ]] || return 0      # not vared, not select
  # (_shellguard_disabled, inlined: this runs on every Enter)
  [[ -n ${_SHELLGUARD_OFF-} || ( -n ${SHELLGUARD_DISABLE-} && $SHELLGUARD_DISABLE != 0 ) ]] &&
    return 0
  local text=$_sg_text
  [[ $text == *[^[:space:]]* ]] || return 0
  (( _SHELLGUARD_ARMED )) && _shellguard_disarm
  # (the check may drop the kept prefixes: then the line is classified below)
  (( _sg_plain )) && _shellguard_cache_usable && (( _SHELLGUARD_READS_N )) && return 0
  # What to do: 0 run, 1 ask, 2 refuse (deny), 3 wait for the rest of the construct.
  # (_sg_incomplete: 0 complete, 1 zsh's parser wants more, 2 not probed because
  # nothing in the line can open a construct.)
  local -i verdict=0
  if (( _sg_incomplete == 1 )); then
    verdict=3
  elif (( _sg_incomplete == 0 )); then
    # Cases the parser probe accepts but the interactive parser continues: cheap
    # first, only a trailing operator or backslash, or a here-document, is left.
    case ${text%"${text##*[^[:space:]]}"} in
      *'&&'|*'||'|*'|'|*'|&'|*\\|*'<<'*) _shellguard_incomplete_extra $text && verdict=3 ;;
    esac
  fi
  if (( verdict == 0 )); then
    _shellguard_classify $text
    verdict=$?
  fi
  if (( verdict == 3 )); then
    _shellguard_defer $text && return 0
    _shellguard_classify $text       # no safety net possible: ask now
    verdict=$?
  fi
  case $verdict in
    0) return 0 ;;
    2)
      _shellguard_history_add $text
      _SHELLGUARD_NOTE="refused by policy: $_SHELLGUARD_CLASS  $_SHELLGUARD_REASON"
      builtin zle send-break
      return 1 ;;
  esac
  _shellguard_ask_zle
  case $REPLY in
    yes) _shellguard_query $text yes; return 0 ;;
    always)
      local out
      out=$(_shellguard_always $text 2>&1)
      POSTDISPLAY+=$'\n'"${out//[[:cntrl:]]/ }"
      builtin zle -R
      _shellguard_query $text always
      return 0 ;;
  esac
  _shellguard_history_add $text
  _SHELLGUARD_NOTE="not run (Up recalls the line)"
  _shellguard_query $text no
  POSTDISPLAY=
  builtin zle send-break      # aborts the whole construct, $? = 1
  return 1
}

# -- the safety net for deferred lines ------------------------------------------------
# A line that looked incomplete is not asked about: nothing runs until zsh has the whole
# construct, and the last line's hook sees all of it ($PREBUFFER$BUFFER). In case the
# guess was wrong and zsh runs it after all, a DEBUG trap is armed meanwhile: it asks
# before the first command and skips the line on "no" (ERR_EXIT set in a DEBUG trap
# skips the command; see the field notes, 1.5).

_shellguard_defer() {
  emulate -L zsh
  builtin setopt no_local_traps      # the trap must outlive this function
  _SHELLGUARD_DEFERRED=$1
  (( _SHELLGUARD_ARMED )) && return 0
  if [[ -n ${(M)${(f)"$(builtin trap)"}:#* DEBUG} ]] || (( ${+functions[TRAPDEBUG]} )); then
    # Someone else's DEBUG trap: no safety net, so ask now rather than later.
    _SHELLGUARD_DEFERRED=
    return 1
  fi
  builtin trap '_shellguard_debug || builtin setopt err_exit' DEBUG
  _SHELLGUARD_ARMED=1
}

_shellguard_disarm() {
  emulate -L zsh
  builtin setopt no_local_traps
  (( _SHELLGUARD_ARMED )) && builtin trap - DEBUG
  _SHELLGUARD_ARMED=0
}

_shellguard_ask_tty() {
  # The question outside zle (from the DEBUG trap). Answer in REPLY.
  emulate -L zsh
  local key= head="shellguard: $_SHELLGUARD_CLASS" text=$1
  if _shellguard_colour; then
    local c=$'\e[1;35m'
    case $_SHELLGUARD_CLASS in
      DELETE) c=$'\e[1;31m' ;; UPDATE) c=$'\e[1;33m' ;; CREATE) c=$'\e[1;36m' ;;
    esac
    head="$c$head"$'\e[0m'
  fi
  _shellguard_drain
  builtin print -ru2 -- "$head  $_SHELLGUARD_REASON"
  builtin print -ru2 -- "  ${${text//$'\n'/$'\n'  }//[[:cntrl:]]/?}"
  builtin print -nu2 -- "Proceed? [y/N/a] "
  REPLY=no
  {
    builtin read -k 1 key
  } always {
    (( TRY_BLOCK_INTERRUPT )) && _SHELLGUARD_SKIP=1
  }
  _shellguard_key_answer $key
  builtin print -u2 -- ${${${REPLY/yes/y}/always/a}/no/n}
}

_shellguard_debug() {
  emulate -L zsh
  [[ $ZSH_EVAL_CONTEXT == toplevel:trap:shfunc ]] || return 0
  (( _SHELLGUARD_SKIP )) && return 1
  local text=$_SHELLGUARD_DEFERRED
  [[ -n $text ]] || return 0
  _SHELLGUARD_DEFERRED=
  _shellguard_disabled && { _shellguard_disarm; return 0; }
  _shellguard_classify $text
  case $? in
    0) _shellguard_disarm; return 0 ;;
    2)
      builtin print -ru2 -- "shellguard: refused by policy: $_SHELLGUARD_CLASS  $_SHELLGUARD_REASON"
      _SHELLGUARD_SKIP=1
      return 1 ;;
  esac
  _shellguard_ask_tty $text
  case $REPLY in
    yes) _shellguard_query $text yes; _shellguard_disarm; return 0 ;;
    always) _shellguard_always $text; _shellguard_query $text always; _shellguard_disarm; return 0 ;;
  esac
  _shellguard_query $text no
  _SHELLGUARD_SKIP=1
  return 1
}

# -- every prompt ---------------------------------------------------------------------

_shellguard_rehook() {
  # Put our widget $2 back on hook $1. Taken off first: add-zle-hook-widget keeps a
  # widget another plugin set on the hook meanwhile only when ours is not listed.
  add-zle-hook-widget -d $1 $2
  add-zle-hook-widget $1 $2
}

_shellguard_hooks() {
  # Self-check: a plugin loaded later may have replaced zle-line-finish or
  # zle-line-pre-redraw (or taken us out of their hook lists). Without the first
  # nothing is guarded; without the second, Enter on a typed line waits for an answer.
  _SHELLGUARD_HOOKED=1
  # (zmodload -e, not ${+widgets}: that builds the whole hash of widgets, ~40 us)
  builtin zmodload -e zsh/zleparameter || builtin zmodload zsh/zleparameter 2>/dev/null
  if [[ ${widgets[zle-line-finish]-} != user:azhw:zle-line-finish ||
        ${widgets[_shellguard_line_finish]-} != user:_shellguard_line_finish ]] ||
     ! builtin zstyle -m zle-line-finish widgets '<->:_shellguard_line_finish'; then
    _shellguard_rehook line-finish _shellguard_line_finish
    _shellguard_rehook line-pre-redraw _shellguard_prefetch
  elif [[ ${widgets[zle-line-pre-redraw]-} != user:azhw:zle-line-pre-redraw ]] ||
       ! builtin zstyle -m zle-line-pre-redraw widgets '<->:_shellguard_prefetch'; then
    _shellguard_rehook line-pre-redraw _shellguard_prefetch
  fi
}

_shellguard_precmd() {
  local ret=$?
  emulate -L zsh
  (( _SHELLGUARD_ARMED )) && _shellguard_disarm
  _SHELLGUARD_DEFERRED= _SHELLGUARD_SKIP=0 _SHELLGUARD_AW_FOR=
  if [[ -n $_SHELLGUARD_HISTORY ]]; then
    builtin print -rs -- $_SHELLGUARD_HISTORY
    _SHELLGUARD_HISTORY=
  fi
  if [[ -n $_SHELLGUARD_NOTE ]]; then
    if _shellguard_colour; then
      builtin print -ru2 -- $'\e[2m'"shellguard: $_SHELLGUARD_NOTE"$'\e[0m'
    else
      builtin print -ru2 -- "shellguard: $_SHELLGUARD_NOTE"
    fi
    _SHELLGUARD_NOTE=
  fi
  if (( ! _SHELLGUARD_HOOKED )); then
    # The first prompt: hook in once it is drawn, and start the classifier then, so
    # that the prompt waits for neither (loading add-zle-hook-widget takes 1.5-2 ms).
    # zle runs the handler before it reads any key typed ahead, so no line gets past.
    _shellguard_start_soon && return ret
  fi
  # The self-check's usual finding, all in place, without calling it (~10 us a call)
  [[ ${widgets[zle-line-finish]-} == user:azhw:zle-line-finish &&
     ${widgets[zle-line-pre-redraw]-} == user:azhw:zle-line-pre-redraw &&
     ${widgets[_shellguard_line_finish]-} == user:_shellguard_line_finish ]] &&
    builtin zstyle -m zle-line-finish widgets '<->:_shellguard_line_finish' &&
    builtin zstyle -m zle-line-pre-redraw widgets '<->:_shellguard_prefetch' ||
    _shellguard_hooks
  [[ -n $_SHELLGUARD_TABLE_NEXT ]] && _shellguard_load_table
  # Start the classifier in the background so the first command does not wait for
  # Python: once the prompt is drawn, so that the prompt does not wait for the fork
  # either. (A line entered before that starts it itself.)
  (( _SHELLGUARD_PID )) || _shellguard_disabled || _shellguard_start_soon || _shellguard_start
  return ret
}

_shellguard_start_soon() {
  # Have zle hook in and start the classifier when it next waits for a key, which is
  # after the prompt is drawn: a zle -F handler on /dev/null, which is always ready. (internal)
  # (Not close-on-exec, which would need zsh/system loaded before the first prompt: a
  # prompt program started before the handler closes it inherits a /dev/null, which
  # holds nothing open.)
  (( _SHELLGUARD_SOON >= 0 )) && return 0
  { exec {_SHELLGUARD_SOON}</dev/null } 2>/dev/null || return 1
  builtin zle -F $_SHELLGUARD_SOON _shellguard_start_now 2>/dev/null && return 0
  { exec {_SHELLGUARD_SOON}<&- } 2>/dev/null
  _SHELLGUARD_SOON=-1
  return 1
}

_shellguard_start_now() {
  # The zle -F handler _shellguard_start_soon set up: runs once.
  emulate -L zsh
  builtin zle -F $1 2>/dev/null
  if (( _SHELLGUARD_SOON >= 0 )); then
    { exec {_SHELLGUARD_SOON}<&- } 2>/dev/null
    _SHELLGUARD_SOON=-1
  fi
  (( _SHELLGUARD_HOOKED )) || _shellguard_hooks
  (( _SHELLGUARD_PID )) || _shellguard_disabled || _shellguard_start
}

# -- the user's command ---------------------------------------------------------------

shellguard() {
  emulate -L zsh
  case ${1-} in
    off)
      typeset -g _SHELLGUARD_OFF=1
      builtin print -r -- "shellguard: off in this shell ('shellguard on' turns it back on)" ;;
    on)
      builtin unset _SHELLGUARD_OFF
      if [[ -n ${SHELLGUARD_DISABLE-} && $SHELLGUARD_DISABLE != 0 ]]; then
        builtin print -r -- "shellguard: on, but SHELLGUARD_DISABLE is set in this session"
      else
        builtin print -r -- "shellguard: on"
      fi ;;
    status)
      local state=on co=none
      _shellguard_disabled && state=off
      if (( _SHELLGUARD_PID > 0 )) && builtin kill -0 $_SHELLGUARD_PID 2>/dev/null; then
        co="pid $_SHELLGUARD_PID"
      fi
      builtin print -r -- "shellguard: $state in this shell (zsh); classifier: $co"
      builtin print -r -- "  read-only prefixes kept: ${#_SHELLGUARD_READS} (read table: ${_SHELLGUARD_TABLE:-none yet})"
      builtin print -r -- "  python: ${_SHELLGUARD_PYTHON:-not found}"
      builtin print -r -- "  log: ${XDG_STATE_HOME:-$HOME/.local/state}/shellguard/serve.log" ;;
    *)
      if _shellguard_find_python; then
        "$_SHELLGUARD_PYTHON" -P -m shellguard "$@"
      else
        builtin command shellguard "$@"
      fi ;;
  esac
}

# -- install (idempotent: sourcing again replaces our hooks, never doubles them) ------

typeset -g _SHELLGUARD_MEMO=
[[ $ZSH_VERSION == (5.<9->*|<6->.*) ]] && _SHELLGUARD_MEMO=' memo=shellguard'

if [[ -z ${SHELLGUARD_DISABLE-} || ${SHELLGUARD_DISABLE-} == 0 ]]; then
  builtin autoload -Uz add-zle-hook-widget
  [[ -n $_SHELLGUARD_PYTHON || -n ${commands[shellguard-py]-} ]] ||
    builtin print -ru2 -- "shellguard: cannot find the shellguard command; every command will be asked about"
  # The precmd hook (what add-zsh-hook does, without loading it). It has zle add the
  # zle-line-finish hook once the first prompt is drawn, so that neither start-up nor
  # the first prompt pays for add-zle-hook-widget.
  typeset -ga precmd_functions
  precmd_functions=(${precmd_functions:#_shellguard_precmd} _shellguard_precmd)
fi

(( _SHELLGUARD_ALIASES_WERE_ON )) && builtin setopt aliases
builtin unset _SHELLGUARD_ALIASES_WERE_ON
