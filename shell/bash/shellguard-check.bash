# shellguard for bash: the checking code. shellguard.bash (the file to source) reads
# it when the first line is checked, not at start-up, where parsing it would cost
# ~3 ms. It defines functions only; their state is declared in shellguard.bash.

_shellguard_json_escape() {
  # JSON string body for $1 in REPLY.
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
    local out='' c u i
    for (( i = 0; i < ${#s}; i++ )); do
      c=${s:i:1}
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

# -- the co-process -------------------------------------------------------------------

_shellguard_alias_words() {
  # The aliases that words of $1 name, and those their texts start with, as JSON
  # members ("ll":"ls -l",...) in REPLY; empty when there are none. The classifier
  # expands them where bash would (the first word of a command); the caches keep them
  # in their keys. (Words with pattern characters are not looked up: they would be
  # globbed here. Quotes stay on a word: a quoted word is no alias.) (internal)
  # Kept for the last text until the next prompt (the only time aliases can change):
  # Enter, the classify step and the request all ask about the same line.
  if [[ -n $_SHELLGUARD_AW_FOR && $1 == "$_SHELLGUARD_AW_FOR" ]]; then
    REPLY=$_SHELLGUARD_AW
    return 0
  fi
  REPLY=
  # Every reference to BASH_ALIASES makes bash rebuild it from its alias table (about
  # 1.5 us an alias): its names are taken once (alias names hold no blank), and kept
  # for _shellguard_plain_reads on the same line.
  local IFS=' ' names=' '
  [[ :$BASHOPTS: == *:expand_aliases:* ]] && names=" ${!BASH_ALIASES[*]} "
  _SHELLGUARD_ANAMES=$names _SHELLGUARD_AW_FOR=$1 _SHELLGUARD_AW=
  # (The rest in a function of its own: bash copies a function's whole body at every
  # call, ~1.5 us a line here, and this runs on every Enter.)
  [[ $names == ' ' || $names == '  ' ]] || _shellguard_alias_members "$1" "$names"
}

_shellguard_alias_members() {
  # _shellguard_alias_words for $1 when aliases ($2: their names) are defined.
  # (Small bracket expressions: bash's ${x//[...]/ } costs ~10 us a class member here.)
  local word text members='' name seen=' ' i=0 t=${1//[;|&()<>\`]/ } names=$2 IFS
  [[ $t == *[\*\?\[]* ]] && t=${t//[\*\?\[]/ }   # nothing may be globbed below
  IFS=$' \t\n'
  # shellcheck disable=SC2206  # split at blanks: the value is not brace- or tilde-expanded
  local -a todo=($t)
  while (( i < ${#todo[@]} )); do
    word=${todo[i++]}
    [[ $names == *" $word "* && $seen != *" $word "* ]] || continue
    seen+="$word "
    text=${BASH_ALIASES[$word]}
    _shellguard_json_escape "$word"; name=$REPLY
    _shellguard_json_escape "$text"
    members+=",\"$name\":\"$REPLY\""
    text=${text#"${text%%[![:space:]]*}"}
    todo+=("${text%%[[:space:]]*}")
  done
  REPLY=${members#,}
  _SHELLGUARD_AW_FOR=$1 _SHELLGUARD_AW=$REPLY
}

_shellguard_parse() {
  # Read a reply ($1) into _SHELLGUARD_CLASS/ACTION/REASON and _SHELLGUARD_NEW_READS;
  # fails if it is not one. The keys come in a fixed order (shellguard/protocol.py)
  # and strings hold no bare quote, so splitting at quotes finds every field (a bash
  # regex is compiled at every use).
  local class action reason prefixes='' o=0
  if [[ $1 != *\\\"* ]]; then
    local -a p
    local - IFS='"'
    set -f
    # shellcheck disable=SC2206  # split at quotes on purpose, globbing off
    p=($1)
    [[ ${p[11]} == read_prefixes ]] && prefixes=${p[13]} o=4
    [[ ${p[1]}:${p[3]}:${p[7]}:${p[11+o]}:${p[13+o]}:${p[17+o]} == id:action:classification:confidence:reasoning:source ]] ||
      return 1
    action=${p[5]} class=${p[9]} reason=${p[15+o]}
  else
    # A reason with a quote in it: cut at the keys instead (rare).
    action=${1#*,\"action\":\"} class=${1#*,\"classification\":\"}
    reason=${1#*,\"reasoning\":\"}
    action=${action%%\"*} class=${class%%\"*} reason=${reason%\",\"source\":\"*}
    if [[ $1 == *',"read_prefixes":"'* ]]; then
      prefixes=${1#*,\"read_prefixes\":\"}
      prefixes=${prefixes%%\"*}
    fi
  fi
  [[ -n $class && $class != *[!A-Z]* ]] || return 1
  case $action in allow | confirm | deny) ;; *) return 1 ;; esac
  if [[ $reason == *\\* ]]; then
    # Only an escape can put a control character in it (JSON strings hold none).
    reason=${reason//\\\"/\"}
    reason=${reason//\\\//\/}
    builtin printf -v reason '%b' "$reason"     # \\ \n \t \uXXXX
    reason=${reason//[[:cntrl:]]/ }
  fi
  _SHELLGUARD_CLASS=$class _SHELLGUARD_ACTION=$action _SHELLGUARD_REASON=$reason
  _SHELLGUARD_NEW_READS=$prefixes _SHELLGUARD_NEW_TABLE=
  if [[ $1 == *',"read_table":"'* ]]; then
    _SHELLGUARD_NEW_TABLE=${1##*,\"read_table\":\"}
    _SHELLGUARD_NEW_TABLE=${_SHELLGUARD_NEW_TABLE%%\"*}
  fi
}

_shellguard_query() {
  # Classify $1 (with $2 = yes|no|always: report that answer instead, without waiting
  # for the reply). Sets _SHELLGUARD_CLASS/ACTION/REASON and _SHELLGUARD_NEW_READS;
  # returns 1 (and the safe answer "confirm") when no answer can be had.
  # Only the usual case is here, a running co-process allowing a line: bash copies a
  # function's whole body at every call, and this runs on Enter for every new line.
  # _shellguard_query_full does the rest (starting, restarting, escaping, answer
  # reports, questions, errors).
  if (( _SHELLGUARD_PID <= 0 || _SHELLGUARD_FRESH )) ||
     [[ -n ${2-} || $1 == *[\\\"[:cntrl:]]* || $_SHELLGUARD_CWD_FOR != "$PWD" ||
        ${SHELLGUARD_TIMEOUT-} != "$_SHELLGUARD_TIMEOUT_FOR" ]]; then
    _shellguard_query_full "$@"
    return
  fi
  [[ $_SHELLGUARD_AW_FOR == "$1" ]] || _shellguard_alias_words "$1"
  local id=$(( ++_SHELLGUARD_ID ))
  _SHELLGUARD_EARLY_ID=0    # a prefetch in flight is given up: its reply is skipped by id
  builtin trap '' PIPE    # a write to a dead co-process must not end the shell
  if ! builtin printf '%s\n' "{\"id\":$id,\"command\":\"$1\",\"cwd\":\"$_SHELLGUARD_CWD_JSON\",\"shell\":\"bash\"${_SHELLGUARD_AW:+,\"aliases\":\{$_SHELLGUARD_AW\}}}" 1>&"$_SHELLGUARD_W" 2>/dev/null; then
    builtin trap - PIPE
    _shellguard_stop
    _shellguard_query_full "$1"    # starts a new one
    return
  fi
  builtin trap - PIPE
  _shellguard_reply "$id" && return 0
  (( $? == 3 )) || return 1
  _shellguard_query_full "$1"    # it stopped before answering: ask a new one
}

_shellguard_reply() {
  # Take the reply to request $1 (sent by _shellguard_query or _shellguard_send_early)
  # within the checked timeout: 0 parsed, 1 none in time, 3 the co-process stopped or
  # garbled it (see _shellguard_receive). Here only the usual case, an "allow" that
  # one block holds; _shellguard_receive takes the rest of any other.
  local reply='' line='' head
  # The two reads: see _shellguard_receive.
  IFS= builtin read -r -t "$_SHELLGUARD_TIMEOUT_OK" -N 1 -u "$_SHELLGUARD_R" reply &&
    IFS= builtin read -r -N 255 -u "$_SHELLGUARD_R" line
  head="\"id\":$1,\"action\":\"allow\",\"classification\":\""
  if [[ $reply == '{' && $line == "$head"* && $line == *$'\n' ]]; then
    # The class, then the prefixes when they come next; the rest is not needed.
    line=${line:${#head}}
    _SHELLGUARD_CLASS=${line%%\"*}
    line=${line:${#_SHELLGUARD_CLASS}+1}
    _SHELLGUARD_NEW_READS='' _SHELLGUARD_NEW_TABLE=''
    if [[ $line == ',"read_prefixes":"'* ]]; then
      line=${line:18}
      _SHELLGUARD_NEW_READS=${line%%\"*}
    fi
    if [[ $line == *',"read_table":"'* ]]; then
      line=${line##*,\"read_table\":\"}
      _SHELLGUARD_NEW_TABLE=${line%%\"*}
    fi
    _SHELLGUARD_ACTION=allow _SHELLGUARD_REASON=
    [[ $_SHELLGUARD_CLASS == +([A-Z]) ]] && return 0
    _SHELLGUARD_CLASS=UNKNOWN _SHELLGUARD_ACTION=confirm
    _SHELLGUARD_REASON="unreadable answer from the classifier"
    _shellguard_stop
    return 1
  fi
  _shellguard_receive "$1" "$_SHELLGUARD_TIMEOUT_OK" "$reply$line"
}

_shellguard_send_early() {
  # On Enter, before the shell's own checks (a construct still open, our own switch,
  # the config): send the line $1 (its cache key $2) as a prefetch, so that the
  # classifier works while they run and _shellguard_classify takes its answer. Only
  # the usual case (see _shellguard_query), never when every decision goes to the
  # audit log (a prefetch is not logged). A prefetch never runs the LLM: a line that
  # turns out to open a construct costs the classifier microseconds.
  if (( _SHELLGUARD_PID <= 0 || _SHELLGUARD_FRESH || _SHELLGUARD_CACHE_OFF )) ||
     [[ $1 == *[\\\"[:cntrl:]]* || $1 != *[![:space:]]* || $_SHELLGUARD_CWD_FOR != "$PWD" ||
        ${SHELLGUARD_TIMEOUT-} != "$_SHELLGUARD_TIMEOUT_FOR" ]]; then
    return 0
  fi
  local id=$(( ++_SHELLGUARD_ID ))
  builtin trap '' PIPE
  builtin printf '%s\n' "{\"id\":$id,\"command\":\"$1\",\"cwd\":\"$_SHELLGUARD_CWD_JSON\",\"shell\":\"bash\",\"prefetch\":true${_SHELLGUARD_AW:+,\"aliases\":\{$_SHELLGUARD_AW\}}}" 1>&"$_SHELLGUARD_W" 2>/dev/null &&
    _SHELLGUARD_EARLY_ID=$id _SHELLGUARD_EARLY_KEY=$2
  builtin trap - PIPE
}

_shellguard_query_full() {
  # _shellguard_query's other cases.
  local answer=${2-} esc=$1 why='' timeout id rc aliased
  _SHELLGUARD_NEW_READS='' _SHELLGUARD_NEW_TABLE=''
  if [[ $esc == *[\\\"[:cntrl:]]* ]]; then
    _shellguard_json_escape "$esc"; esc=$REPLY
  fi
  _shellguard_alias_words "$1"
  aliased=${REPLY:+,\"aliases\":\{$REPLY\}}
  if [[ $_SHELLGUARD_CWD_FOR != "$PWD" ]]; then
    _shellguard_json_escape "$PWD"
    _SHELLGUARD_CWD_JSON=$REPLY _SHELLGUARD_CWD_FOR=$PWD
  fi
  for _ in 1 2; do
    if (( _SHELLGUARD_PID <= 0 )) || ! builtin kill -0 "$_SHELLGUARD_PID" 2>/dev/null; then
      if ! _shellguard_start; then
        why="the classifier could not be started"
        break
      fi
    fi
    id=$(( ++_SHELLGUARD_ID )) _SHELLGUARD_EARLY_ID=0
    # A write to a dead co-process must not end the shell with SIGPIPE.
    builtin trap '' PIPE
    builtin printf '%s\n' "{\"id\":$id,\"command\":\"$esc\",\"cwd\":\"$_SHELLGUARD_CWD_JSON\",\"shell\":\"bash\"${answer:+,\"answer\":\"$answer\"}$aliased}" 1>&"$_SHELLGUARD_W" 2>/dev/null
    rc=$?
    builtin trap - PIPE
    if (( rc )); then
      why="the classifier stopped"
      _shellguard_stop
      continue
    fi
    [[ -n $answer ]] && return 0     # its reply is skipped by id later
    if (( _SHELLGUARD_FRESH )); then
      timeout=${SHELLGUARD_START_TIMEOUT:-20}
      [[ $timeout =~ ^[0-9]+(\.[0-9]+)?$ && $timeout != 0 ]] || timeout=20
    elif [[ ${SHELLGUARD_TIMEOUT-} == "$_SHELLGUARD_TIMEOUT_FOR" ]]; then
      timeout=$_SHELLGUARD_TIMEOUT_OK       # checked when it was last set
    else
      timeout=${SHELLGUARD_TIMEOUT:-3}
      [[ $timeout == +([0-9])?(.+([0-9])) && $timeout != 0 ]] || timeout=3
      _SHELLGUARD_TIMEOUT_FOR=${SHELLGUARD_TIMEOUT-} _SHELLGUARD_TIMEOUT_OK=$timeout
    fi
    _shellguard_receive "$id" "$timeout"
    rc=$?
    (( rc == 0 )) && _SHELLGUARD_FRESH=0
    (( rc == 3 )) || return "$rc"
    why=$_SHELLGUARD_REASON      # it stopped before answering: start a new one, once
  done
  _SHELLGUARD_CLASS=UNKNOWN _SHELLGUARD_ACTION=confirm _SHELLGUARD_REASON=$why
  return 1
}

_shellguard_receive() {
  # Take the reply to request $1 within $2 seconds ($3: what was read of it already)
  # and parse it. 0: parsed; 1: no answer in time (the hung co-process is replaced,
  # and the safe answer set); 3: the co-process stopped or garbled the stream (it is
  # stopped; _SHELLGUARD_REASON says which).
  local reply=${3-} line reply_id rc=0
  while true; do
    if [[ -z $reply ]]; then
      # Only the first byte is read with the timeout: bash's read -t costs ~0.2 ms
      # for more than one character. A line it reads one byte per system call, but a
      # known length in one: the co-process pads every reply with spaces to a multiple
      # of 256 bytes (serve --pad 256) and writes it in one go, so the rest is there.
      IFS= builtin read -r -t "$2" -N 1 -u "$_SHELLGUARD_R" reply
      rc=$?
      (( rc == 0 )) && { IFS= builtin read -r -N 255 -u "$_SHELLGUARD_R" line; rc=$?; reply+=$line; }
    fi
    while (( rc == 0 )) && [[ $reply != *$'\n' ]]; do
      IFS= builtin read -r -N 256 -u "$_SHELLGUARD_R" line
      rc=$?
      reply+=$line
    done
    (( rc == 0 )) || break
    reply=${reply%\}*}'}'          # the padding and the newline
    [[ $reply == '{"id":'+([0-9]),* ]] || { rc=2; break; }
    reply_id=${reply#\{\"id\":}
    reply_id=${reply_id%%,*}
    if (( reply_id < $1 )); then   # the late reply to an answer report
      reply=''
      continue
    fi
    (( reply_id == $1 )) || rc=2
    break
  done
  (( rc == 0 )) && _shellguard_parse "$reply" && return 0
  if (( rc > 128 )); then
    # A hung classifier costs one timeout, then it is replaced (a late reply would
    # put the stream out of step) and the line is asked about.
    _shellguard_stop
    _shellguard_start
    _SHELLGUARD_CLASS=UNKNOWN _SHELLGUARD_ACTION=confirm
    _SHELLGUARD_REASON="no answer from the classifier within ${2}s"
    return 1
  fi
  _SHELLGUARD_REASON="the classifier stopped"
  (( rc == 1 )) || _SHELLGUARD_REASON="unreadable answer from the classifier"
  _shellguard_stop
  return 3
}

# -- deciding -------------------------------------------------------------------------

_shellguard_maybe_incomplete() {
  # True when bash may ask for more lines after $1 (then nothing runs yet, and the
  # backstop asks about the whole construct). A wrong "yes" only moves the question
  # to the backstop; a wrong "no" asks twice. Cheap tests first: this runs on Enter.
  case $1 in
    *[\"\'\`\\\(\)\{\}\<\;\&\|$'\n']*) ;;      # may open or continue something: look closer
    *)
      # Otherwise only a keyword in front can (for, if, ...).
      local t=${1#"${1%%[![:space:]]*}"}
      case ${t%%[[:space:]]*} in
        for | while | until | if | case | select | function | do | then | else | elif | time | coproc | '!') ;;
        *) return 1 ;;
      esac ;;
  esac
  _shellguard_maybe_open "$1"
}

_shellguard_maybe_open() {
  # _shellguard_maybe_incomplete's closer look (in its own function: see
  # _shellguard_alias_words).
  local t=${1%"${1##*[![:space:]]}"}
  case $t in
    *'&&' | *'||' | *'|' | *'|&') return 0 ;;
  esac
  if [[ $t == *\\ ]]; then
    local tail=${t##*[!\\]}
    (( ${#tail} % 2 )) && return 0
  fi
  case $t in
    *[\"\'\`\(\{]* | *'<<'* | *for* | *while* | *until* | *if* | *case* | *select* | *function* | *do* | *then* | *else*) ;;
    *) return 1 ;;
  esac
  [[ ${t//'<<<'/} == *'<<'* ]] && return 0
  local q=${t//[^\"]/}
  (( ${#q} % 2 )) && return 0
  q=${t//[^\']/}
  (( ${#q} % 2 )) && return 0
  q=${t//[^\`]/}
  (( ${#q} % 2 )) && return 0
  local open=${t//[^(]/} close=${t//[^)]/}
  (( ${#open} > ${#close} )) && return 0
  local - word loops=0 ifs=0 cases=0 braces=0
  set -f
  local IFS=$' \t\n;&|()'
  for word in $t; do
    case $word in
      'for' | 'while' | 'until' | 'select') (( loops++ )) ;;
      'done') (( loops-- )) ;;
      'if') (( ifs++ )) ;;
      'fi') (( ifs-- )) ;;
      'case') (( cases++ )) ;;
      'esac') (( cases-- )) ;;
      '{') (( braces++ )) ;;
      '}') (( braces-- )) ;;
    esac
  done
  (( loops > 0 || ifs > 0 || cases > 0 || braces > 0 ))
}

_shellguard_cache_usable() {
  # May the allow cache answer now? It is emptied when the config file changes or the
  # co-process is replaced, and off with SHELLGUARD_CACHE=0 or when the config asks
  # for every decision in the audit log (_SHELLGUARD_CACHE_OFF says so also with
  # SHELLGUARD_CACHE=0: no prefetch answers then either). Reading the (small) config costs less than
  # a stat: bash has no stat builtin.
  local cfg=${SHELLGUARD_CONFIG-} content=''
  if [[ -z $cfg ]]; then
    if [[ ${XDG_CONFIG_HOME-} == /* ]]; then
      cfg=$XDG_CONFIG_HOME/shellguard/config.toml
    else
      cfg=$HOME/.config/shellguard/config.toml
    fi
  fi
  [[ -r $cfg ]] && IFS= builtin read -r -d '' content < "$cfg"
  if [[ "$_SHELLGUARD_PID"$'\x1f'"$cfg"$'\x1f'"$content" != "$_SHELLGUARD_CACHE_STAMP" ]]; then
    _SHELLGUARD_ALLOWED=() _SHELLGUARD_READS=() _SHELLGUARD_READ_STARTS=() _SHELLGUARD_WITH_ARG=()
    _SHELLGUARD_READS_MAX=1000 _SHELLGUARD_TABLE='' _SHELLGUARD_TABLE_NEXT='' _SHELLGUARD_NEW_TABLE=''
    _SHELLGUARD_CACHE_STAMP="$_SHELLGUARD_PID"$'\x1f'"$cfg"$'\x1f'"$content"
    _SHELLGUARD_CACHE_OFF=0
    [[ $content == *audit*all* ]] && _SHELLGUARD_CACHE_OFF=1
  fi
  [[ ${SHELLGUARD_CACHE:-1} != 0 ]] && (( ! _SHELLGUARD_CACHE_OFF ))
}

_shellguard_own_switch() {
  # Our own switch ($1): 0 for `shellguard on|status` (they change nothing), 1 for
  # `shellguard off` (asked about), 3 for any other line.
  local trimmed=$1
  trimmed=${trimmed#"${trimmed%%[![:space:]]*}"}
  trimmed=${trimmed%"${trimmed##*[![:space:]]}"}
  case $trimmed in
    'shellguard on' | 'shellguard status') return 0 ;;
    'shellguard off')
      _SHELLGUARD_CLASS=UPDATE _SHELLGUARD_ACTION=confirm
      _SHELLGUARD_REASON="turns shellguard off in this shell"
      return 1 ;;
  esac
  return 3
}

_shellguard_classify() {
  # 0 run, 1 ask, 2 refuse; _SHELLGUARD_CLASS/ACTION/REASON say why. A line the
  # classifier allowed in this directory is allowed again without asking it (no
  # round trip: most lines typed are repeats), until something changes.
  if [[ $1 == *'shellguard '[os]* ]]; then
    local own
    _shellguard_own_switch "$1"
    own=$?
    (( own == 3 )) || return "$own"
  fi
  [[ $1 == "$_SHELLGUARD_AW_FOR" && -n $1 ]] || _shellguard_alias_words "$1"
  local key=$PWD$'\x1f'$1${_SHELLGUARD_AW:+$'\x1f'$_SHELLGUARD_AW}
  # The config is read (and a change empties the caches) before the cache answers, not
  # before the co-process does: it reads the config itself, and never lets a prefetch
  # allow when every decision must reach the audit log.
  if [[ -n ${_SHELLGUARD_ALLOWED[$key]-} ]] && _shellguard_cache_usable &&
     [[ -n ${_SHELLGUARD_ALLOWED[$key]-} ]]; then
    _SHELLGUARD_CLASS=${_SHELLGUARD_ALLOWED[$key]} _SHELLGUARD_ACTION=allow
    _SHELLGUARD_REASON="allowed before in this directory"
    return 0
  fi
  # The answer to the prefetch _shellguard_send_early sent, when it was for this very
  # line, holds when it allows, or when none came in time (the co-process was replaced
  # and the safe answer set); else (none, or it does not allow: its reply is taken all
  # the same, to keep the stream in step) the full question.
  local early=$_SHELLGUARD_EARLY_ID ask=1
  _SHELLGUARD_EARLY_ID=0
  if (( early )); then
    _shellguard_reply "$early"
    case $? in
      0) [[ $_SHELLGUARD_ACTION == allow && $key == "$_SHELLGUARD_EARLY_KEY" ]] &&
           (( ! _SHELLGUARD_CACHE_OFF )) && ask=0 ;;
      1) ask=0 ;;
    esac
  fi
  (( ask )) && _shellguard_query "$1"
  # The config is read again only when the co-process changed meanwhile (a first
  # answer, kept under the old stamp, would go with the caches at the next check):
  # a config change is caught there, and empties the caches, this entry too.
  if [[ $_SHELLGUARD_ACTION == allow || -n $_SHELLGUARD_NEW_READS ]] &&
     { [[ $_SHELLGUARD_CACHE_STAMP == "$_SHELLGUARD_PID"$'\x1f'* ]] || _shellguard_cache_usable; } &&
     [[ ${SHELLGUARD_CACHE:-1} != 0 ]] && (( ! _SHELLGUARD_CACHE_OFF )); then
    if [[ $_SHELLGUARD_ACTION == allow ]]; then
      (( ${#_SHELLGUARD_ALLOWED[@]} < 500 )) || _SHELLGUARD_ALLOWED=()
      _SHELLGUARD_ALLOWED[$key]=$_SHELLGUARD_CLASS
    fi
    [[ -n $_SHELLGUARD_NEW_READS ]] && _shellguard_keep_reads "$_SHELLGUARD_NEW_READS"
  fi
  if [[ -n $_SHELLGUARD_NEW_TABLE ]]; then
    # (loaded at the next prompt, under the stamp then in force)
    [[ $_SHELLGUARD_NEW_TABLE == "$_SHELLGUARD_TABLE" ]] || _SHELLGUARD_TABLE_NEXT=$_SHELLGUARD_NEW_TABLE
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
  # only read (RuleSet.read_only_prefix).
  local entry words IFS=,
  (( ${#_SHELLGUARD_READS[@]} < _SHELLGUARD_READS_MAX )) ||
    _SHELLGUARD_READS=() _SHELLGUARD_READ_STARTS=() _SHELLGUARD_WITH_ARG=() _SHELLGUARD_READS_MAX=1000 \
      _SHELLGUARD_TABLE=''
  for entry in $1; do     # no pattern characters: the co-process sends none
    words=${entry%% [-=+]*}
    _SHELLGUARD_READS[$words]="${entry#"$words"} "
    # its starts: the first word, and the first two of three (read_table.py)
    _SHELLGUARD_READ_STARTS[${words%% *}]=1
    [[ $words == *' '*' '* ]] && _SHELLGUARD_READ_STARTS[${words% *}]=1
  done
}

_shellguard_load_table() {
  # Load the read table a reply named (shellguard/read_table.py, in the cache
  # directory as the co-process found it in the environment): the read-only prefixes
  # of every program on PATH, so that a plain line of them runs without a round trip
  # from its first use. An assignment to the three tables, sourced (bash's read takes a
  # system call per byte): ~4 ms for this machine's 1,500, added to those kept before.
  # Only under the stamp the reply came under.
  local name=$_SHELLGUARD_TABLE_NEXT file _sg_table_size=0
  local -
  set -f
  _SHELLGUARD_TABLE_NEXT=
  if [[ ${XDG_CACHE_HOME-} == /* ]]; then
    file=$XDG_CACHE_HOME/shellguard/read-tables/$name.3.bash
  else
    file=$HOME/.cache/shellguard/read-tables/$name.3.bash
  fi
  [[ $_SHELLGUARD_CACHE_STAMP == "$_SHELLGUARD_PID"$'\x1f'* && -n $name &&
     $name != *[!0-9a-f]* && -f $file && -r $file && -O $file ]] || return 0
  builtin source "$file" 2>/dev/null
  (( _sg_table_size > 0 )) || return 0
  _SHELLGUARD_READS_MAX=$(( ${#_SHELLGUARD_READS[@]} + 1000 ))
  _SHELLGUARD_TABLE=$name
}

_shellguard_plain_reads() {
  # Is $1 a plain line (shellguard/parse/plain.py: no expansion, grouping,
  # continuation or tab, no redirection but those that change nothing, so it splits at
  # | & ; and spaces as bash splits it)
  # whose every command, its aliases expanded, starts with a kept read-only prefix,
  # with none of its exceptions after? (Cut with parameter expansions, not arrays: this
  # runs on Enter; what few lines need is in functions of their own, since bash copies
  # a function's whole body at every call. Any word may be looked up: an expanded
  # subscript of * or @ is a plain key.) Not a line longer than 4096 characters
  # (plain.py's MAX_PLAIN_LINE): the expansions below cost time in proportion to it.
  (( ${#1} <= 4096 )) || return 1
  local t=${1%"${1##*[! ]}"}
  local line=${t#"${t%%[! ]*}"} names=$_SHELLGUARD_ANAMES
  local first=${line%%[ \|\&\;]*}
  # alias names: those _shellguard_alias_words took for this line on Enter, or now
  # (BASH_ALIASES is rebuilt at every reference)
  if [[ $_SHELLGUARD_AW_FOR != "$1" ]]; then
    local IFS=' '
    names=' '
    [[ :$BASHOPTS: == *:expand_aliases:* ]] && names=" ${!BASH_ALIASES[*]} "
  fi
  # Most lines that fail do so at their first word: no kept prefix starts with it.
  [[ -n $first && ( -n ${_SHELLGUARD_READ_STARTS[$first]-} || $names == *" $first "* ||
                    -n ${_SHELLGUARD_WRAPPERS[$first]+1} ) ]] || return 1
  # Most that pass it fail at the next: unless the first word is kept alone, is an
  # alias or a wrapper, a kept prefix goes on with the next word (a prefix, or the start of
  # one of three: a quoted one or a redirection is left to the rest, and an option to the look past
  # options). (Lookups by key: a pattern match on a long value costs ~70 us.)
  if [[ -z ${_SHELLGUARD_READS[$first]+1} && $names != *" $first "* && -z ${_SHELLGUARD_WRAPPERS[$first]+1} ]]; then
    local next=${line:${#first}}
    next=${next#"${next%%[! ]*}"}
    next=${next%%[ \|\&\;]*}
    [[ $next == *[\'\"\>]* ||
       ( -n $next && ( -n ${_SHELLGUARD_READS["$first $next"]+1} ||
                       -n ${_SHELLGUARD_READ_STARTS["$first $next"]+1} ) ) ||
       ( $next == -?* && -n ${_SHELLGUARD_WITH_ARG[$first]+1} ) ]] || return 1
  fi
  local quoted=0 pieces=' ' piece=-1
  if [[ $t == *[\'\"]* ]]; then
    _shellguard_unquote "$t" || return 1     # (sets pieces)
    t=$REPLY
  fi
  if [[ $t == *'>'* ]]; then
    _shellguard_drop_redirections "$t" || return 1
    t=$REPLY
  fi
  case $t in
    '' | *[![:alnum:]\ _./:=,@%+~*?\|\&\;-]* | *'|' | *'|&' | *'&&') return 1 ;;
  esac
  local rest=$t cmd word unless with skipped
  while [[ -n $rest ]]; do
    cmd=${rest%%[\|\&\;]*}
    rest=${rest:${#cmd}+1}
    piece=$(( piece + 1 ))
    cmd=${cmd#"${cmd%%[! ]*}"}
    [[ -n $cmd ]] || continue
    quoted=0
    [[ $pieces == *" $piece "* ]] && quoted=1
    first=${cmd%% *}
    if [[ $names == *" $first "* || -n ${_SHELLGUARD_WRAPPERS[$first]+1} ]]; then
      _shellguard_command_of || return 1
    fi
    cmd=${cmd:${#first}}
    unless=${_SHELLGUARD_READS[$first]-} with='' skipped=''
    # (options are looked past only in a line without quotes: `-''` is `-`, no option)
    (( quoted )) || with=${_SHELLGUARD_WITH_ARG[$first]-}
    # the program and up to two subcommand words (`gh pr list`), shortest first
    for _ in 2 3; do
      [[ -z $unless ]] || break
      cmd=${cmd#"${cmd%%[! ]*}"}
      word=${cmd%% *}
      if [[ $word == -?* ]]; then
        _shellguard_past_options || return 1
      fi
      [[ -n $word ]] || return 1
      first+=" $word"
      unless=${_SHELLGUARD_READS[$first]-}
      cmd=${cmd:${#word}}
    done
    [[ -n $unless ]] || return 1
    # (no exception can hold without an option word, unless words or needed options are
    # among them)
    [[ $unless == ' ' || ( $cmd$skipped != *-* && $unless != *' '[=+]* ) ]] && continue
    _shellguard_exceptions || return 1
  done
  return 0
}

_shellguard_unquote() {
  # The line $1 with its quoted parts as plain.py's unquote puts them, in REPLY, and
  # the pieces (split at each | & ;, from 0) that hold one in its caller's $pieces;
  # fails when it is not plain. Quoted parts are data that nothing expands, never in a
  # first word; their text stands in, its other characters turned into _.
  local in=$1 out='' before body q=${1//[!\'\"]/}
  # (bounded: each quote costs a few scans of the line)
  [[ ${#1} -le 400 && ${#q} -le 24 && $1 != *[!\ -~]* ]] || return 1
  while [[ $in == *[\'\"]* ]]; do
    before=${in%%[\'\"]*}
    out+=$before
    q=${in:${#before}:1}
    in=${in:${#before}+1}
    before=${out%"${out##*[\ \|\&\;]}"}     # the words before this one
    before=${before%"${before##*[! ]}"}
    [[ -n $before && $before != *[\|\&\;] && $in == *"$q"* ]] || return 1
    body=${in%%"$q"*}
    in=${in:${#body}+1}
    [[ $q == "'" || ( $body != *[\$\`!]* && $body != *\\ ) ]] || return 1
    # (the & of a redirection is no separator: 2>&1, &>)
    before=$out
    if [[ $before == *'>'* ]]; then
      before=${before//'>&'/}
      before=${before//'&>'/}
    fi
    before=${before//[!|&;]/}
    pieces+="${#before} "
    body=${body//[![:alnum:]_.\/:=,@%+~*?-]/_}
    out+=${body:-_}
  done
  REPLY=$out$in
}

_shellguard_drop_redirections() {
  # The line $1 (as _shellguard_unquote puts it) without its redirections that change
  # nothing, in REPLY (plain.py's drop_redirections): output thrown away or sent to the
  # other output, each a word of its own after its command's first word; fails on any
  # other.
  local in=$1 out='' head fd
  while [[ $in == *'>'* ]]; do
    head=${in%%'>'*}
    in=${in:${#head}+1}
    fd=${head##* }
    [[ $head == *' '* && ( -z $fd || $fd == [12\&] ) ]] || return 1
    out+=${head%" $fd"}
    head=${out%"${out##*[! ]}"}
    [[ -n $head && $head != *[\|\&\;] ]] || return 1
    if [[ $fd != '&' && $in == '&'[12]* ]]; then
      in=${in:2}
    else
      [[ $in == '>'* ]] && in=${in:1}
      in=${in#"${in%%[! ]*}"}
      [[ $in == /dev/null* ]] || return 1
      in=${in:9}
    fi
    [[ -z $in || $in == [\ \|\&\;]* ]] || return 1
  done
  REPLY=$out$in
}

_shellguard_command_of() {
  # For _shellguard_plain_reads: the command bash runs for its $cmd (first word $first),
  # the aliases it expands first (plain.py's expand_plain_aliases), past the wrappers
  # (past_wrappers); fails for an alias whose text is not plain, or a wrapper with an
  # option or form it does not know.
  local seen=' ' text word
  while [[ $names == *" $first "* && $seen != *" $first "* ]]; do
    seen+="$first "
    text=${BASH_ALIASES[$first]}
    [[ $text == *[!\ ] && $text != *[![:alnum:]\ _./:=,@%+~*?-]* ]] || return 1
    cmd=$text${cmd:${#first}}
    cmd=${cmd#"${cmd%%[! ]*}"}
    first=${cmd%% *}
  done
  local spec opt
  while [[ -n ${_SHELLGUARD_WRAPPERS[$first]+1} ]]; do
    spec=${_SHELLGUARD_WRAPPERS[$first]}
    cmd=${cmd:${#first}}
    cmd=${cmd#"${cmd%%[! ]*}"}
    word=${cmd%% *}
    while [[ $word == -* ]]; do
      if [[ $word == --* ]]; then opt=${word%%=*}; else opt=${word:0:2}; fi
      if [[ ${spec%%|*} == *" $word "* ]]; then
        :
      elif [[ ${spec#*|} == *" $opt "*'|'* && $word != "$opt" ]]; then
        [[ $word != *[\*\?]* ]] || return 1        # --signal=KILL, -uroot
      elif [[ ${spec#*|} == *" $word "*'|'* ]]; then
        cmd=${cmd:${#word}}
        cmd=${cmd#"${cmd%%[! ]*}"}
        word=${cmd%% *}
        [[ -n $word && $word != *[\*\?]* ]] || return 1
      else
        return 1
      fi
      cmd=${cmd:${#word}}
      cmd=${cmd#"${cmd%%[! ]*}"}
      word=${cmd%% *}
    done
    if [[ $spec == *d ]]; then
      # a duration: [0-9]+(.[0-9]+)?[smhd]?
      text=${word%[smhd]}
      [[ -n $text && $text != *[!0-9.]* && $text != .* && $text != *. && $text != *.*.* ]] ||
        return 1
      cmd=${cmd:${#word}}
      cmd=${cmd#"${cmd%%[! ]*}"}
      word=${cmd%% *}
    fi
    [[ -n $word && $word != -* ]] || return 1
    # (watch joins the words and runs them with sh -c: quoted or pattern words could be
    # more than one word there)
    [[ $spec == *r && ( $quoted != 0 || $cmd == *[\*\?]* ) ]] && return 1
    first=$word
  done
  return 0
}

_shellguard_past_options() {
  # For _shellguard_plain_reads: look past the options before a subcommand word ($word,
  # the first of $cmd) as plain.py's prefix_split does, when the program's that take a
  # value ($with) are known; what it passes goes to $skipped, to be checked too.
  while [[ $word == -?* ]]; do
    [[ -n $with && $word != -- && $word != *[\*\?]* ]] || return 1
    cmd=${cmd:${#word}}
    skipped+=" $word"
    if [[ $with == *" $word "* ]]; then
      cmd=${cmd#"${cmd%%[! ]*}"}
      word=${cmd%% *}
      [[ -n $word && $word != *[\*\?]* ]] || return 1
      cmd=${cmd:${#word}}
      skipped+=" $word"
    fi
    cmd=${cmd#"${cmd%%[! ]*}"}
    word=${cmd%% *}
  done
  return 0
}

_shellguard_exceptions() {
  # For _shellguard_plain_reads: does no exception of the prefix ($unless) hold for the
  # words after it ($cmd, and $skipped), and does it start as the prefix needs?
  local word opt i IFS=' '     # (IFS for `in $unless`: no pattern characters in it)
  # a quoted word is not the text that stands in for it: no word exception or needed
  # option holds then
  (( quoted )) && [[ $unless == *' '[=+]* ]] && return 1
  if [[ $unless == *' +'* ]]; then
    _shellguard_needed_first || return 1
  fi
  cmd+=$skipped     # (the options looked past are the prefix's to rule out too)
  while [[ $cmd == *[!\ ]* ]]; do
    cmd=${cmd#"${cmd%%[! ]*}"}
    word=${cmd%% *}
    cmd=${cmd:${#word}}
    if [[ $word != -* ]]; then
      # a word a rule that does more than read takes as its subcommand (=install)
      [[ $unless == *" =$word "* ]] && return 1
      continue
    fi
    # The loop over the exceptions only when one may hold (it costs ~4 tests an
    # exception): one that starts as the word does, or, for a cluster of short
    # options, one of its letters (-xo for -o).
    if [[ $word == --* ]]; then
      [[ $unless == *" ${word:0:3}"* ]] || continue
    elif [[ $unless != *" ${word:0:2}"* ]]; then
      for (( i = 2; i < ${#word}; i++ )); do
        [[ $unless == *" -${word:i:1} "* ]] && return 1
      done
      continue
    fi
    for opt in $unless; do
      # --output, --output=x, -ofile; --outp (a long option abbreviated, as the rules
      # take it); and -o inside a cluster such as -xo. (--dry-run=: only with a value,
      # which may switch off an option the prefix needs)
      [[ $word == "$opt"* ||
         ( $word == --?* && ( $opt != *= || $word == *=* ) && $opt == "${word%%=*}"* ) ||
         ( $opt == -[!-] && $word == -[!-]*"${opt:1}"* ) ]] && return 1
    done
  done
  return 0
}

_shellguard_needed_first() {
  # For _shellguard_exceptions (a function of its own: bash copies a function's whole
  # body at every call, and few prefixes need an option): the first word after the
  # prefix ($cmd) must be one of the options it needs (`crontab -l`: +-l), a short one
  # also in a cluster of letters (-ln); not --list=x for +--list, which may switch it
  # off (--dry-run=false).
  local word=${cmd#"${cmd%%[! ]*}"} i
  word=${word%% *}
  [[ -n $word && $unless == *" +$word "* ]] && return 0
  [[ $word == -[a-zA-Z][a-zA-Z]* && $word != *[!a-zA-Z-]* && $word != -*-* ]] || return 1
  for (( i = 1; i < ${#word}; i++ )); do
    [[ $unless == *" +-${word:i:1} "* ]] && return 0
  done
  return 1
}

_shellguard_colour() {
  case ${SHELLGUARD_COLOR:-auto} in
    never) return 1 ;;
    always) return 0 ;;
  esac
  [[ -z ${NO_COLOR-} && -n ${TERM-} && $TERM != dumb ]]
}

_shellguard_show() {
  # The question's first lines: class, reason and the command itself (bash has erased
  # the command line while a bind -x function runs). Control characters are shown as ?.
  local head="shellguard: $_SHELLGUARD_CLASS" line n=0
  if _shellguard_colour; then
    local c=$'\e[1;35m'
    case $_SHELLGUARD_CLASS in
      DELETE) c=$'\e[1;31m' ;; UPDATE) c=$'\e[1;33m' ;; CREATE) c=$'\e[1;36m' ;;
    esac
    head="$c$head"$'\e[0m'
  fi
  builtin printf '%s  %s\n' "$head" "$_SHELLGUARD_REASON"
  local -a lines
  builtin mapfile -t lines <<< "$1"
  for line in "${lines[@]}"; do
    if (( ++n > 20 )); then
      builtin printf '  ... (%d more lines)\n' $(( ${#lines[@]} - 20 ))
      break
    fi
    builtin printf '  %s\n' "${line//[[:cntrl:]]/?}"
  done
}

_shellguard_history_add() {
  # Make a line that did not run recallable with Up.
  [[ -o history ]] || return 1
  [[ $1 == [[:space:]]* && ${HISTCONTROL-} == *ignore@(space|both)* ]] && return 1
  builtin history -s -- "$1"
}

_shellguard_ask() {
  # Ask on the terminal about $1; answer in REPLY: yes | always | no. Ctrl-C ends the
  # function (and so the line) before REPLY is set: the caller's default is "no".
  local key='' tty=/dev/tty
  if ! { : <"$tty"; } 2>/dev/null; then
    _shellguard_show "$1" >&2
    builtin printf '%s\n' "shellguard: no terminal to ask on; not run" >&2
    REPLY=no
    return 0
  fi
  # Keys typed before the question must not answer it.
  while builtin read -t 0 <"$tty" 2>/dev/null; do
    builtin read -rsn1 -t 0.01 key <"$tty" 2>/dev/null || break
  done
  { _shellguard_show "$1"; builtin printf '%s' 'Proceed? [y/N/a] '; } >"$tty" 2>/dev/null
  key=
  builtin read -rsn1 key <"$tty" 2>/dev/null
  case $key in
    [yY]) REPLY=yes ;;
    [aA]) REPLY=always ;;
    *) REPLY=no ;;
  esac
  # The rest of an escape sequence (an arrow key, say) must not reach the next line.
  while builtin read -rsn1 -t 0.01 key <"$tty" 2>/dev/null; do :; done
  case $REPLY in
    yes) builtin printf 'y\n' ;; always) builtin printf 'a\n' ;; *) builtin printf 'n\n' ;;
  esac >"$tty" 2>/dev/null
}

_shellguard_always() {
  # The "a" answer: record it through the CLI (config.append_always).
  _shellguard_find_python || return 1
  "$_SHELLGUARD_PYTHON" -P -m shellguard allow --always --cwd "$PWD" -- "$1"
}

_shellguard_edit() {
  # Ctrl-X Ctrl-E (emacs) and v (vi-command): edit the line in $VISUAL / $EDITOR, as
  # edit-and-execute-command does, but leave the result in the buffer so that the
  # rest of the macro (the Enter check, then accept) asks before anything runs.
  # bash's own version runs the text through `fc` without PS0, around our check.
  local file editor=${VISUAL:-${EDITOR:-}}
  if [[ -z $editor ]]; then
    editor=$(builtin type -P editor 2>/dev/null) || editor=emacs
  fi
  file=$(builtin command mktemp "${TMPDIR:-/tmp}/bash-fc.XXXXXX") || return 0
  builtin printf '%s\n' "$READLINE_LINE" > "$file"
  # Word-split on purpose: EDITOR may carry options ("code -w"), as for fc.
  # shellcheck disable=SC2086
  $editor "$file" </dev/tty >/dev/tty 2>&1
  READLINE_LINE=$(< "$file")
  READLINE_POINT=${#READLINE_LINE}
  builtin command rm -f -- "$file"
}

# -- Enter ----------------------------------------------------------------------------

_shellguard_enter() {
  # The first half of the Enter macro (bind -x). Leaves the accept key bound to
  # accept-line when the line may run, and to a no-op when it must not. Only the
  # cheap cases are here (bash copies a function's whole body at every call):
  # _shellguard_enter_line does the rest.
  if (( _SHELLGUARD_NOOP )); then
    _shellguard_bind_accept accept-line
    _SHELLGUARD_NOOP=0
  fi
  # (_shellguard_disabled, inlined: this runs on every Enter)
  [[ -n ${_SHELLGUARD_OFF-} || ( -n ${SHELLGUARD_DISABLE-} && $SHELLGUARD_DISABLE != 0 ) ]] &&
    return 0
  if [[ -z ${_SHELLGUARD_LINES[*]} ]]; then
    _shellguard_alias_words "$READLINE_LINE"
    # A line allowed before here ran as a whole then: nothing more to look at. So is a
    # plain line of commands known to read (complete: no operator at its end, no
    # keyword first). The config file is read after, and may empty both caches.
    local key=$PWD$'\x1f'$READLINE_LINE${REPLY:+$'\x1f'$REPLY} first=${READLINE_LINE%%[ \|\&\;]*}
    # (the plain check's first step, its most common failure, without calling it: bash
    # copies the function's body first)
    if { [[ -n ${_SHELLGUARD_ALLOWED[$key]-} ]] ||
         { (( ${#_SHELLGUARD_READS[@]} )) &&
           [[ -z $first || -n ${_SHELLGUARD_READ_STARTS[$first]-} || $_SHELLGUARD_ANAMES == *" $first "* ||
              -n ${_SHELLGUARD_WRAPPERS[$first]+1} ]] &&
           _shellguard_plain_reads "$READLINE_LINE"; }; } &&
       _shellguard_cache_usable && (( ${#_SHELLGUARD_ALLOWED[@]} + ${#_SHELLGUARD_READS[@]} )); then
      # (kept as allowed: the check of a line with quotes takes bash ~0.3 ms)
      if [[ -z ${_SHELLGUARD_ALLOWED[$key]-} ]]; then
        (( ${#_SHELLGUARD_ALLOWED[@]} < 500 )) || _SHELLGUARD_ALLOWED=()
        _SHELLGUARD_ALLOWED[$key]=READ
      fi
      _SHELLGUARD_LINES=("$READLINE_LINE") _SHELLGUARD_OK=$READLINE_LINE _SHELLGUARD_STATE=ok
      [[ $_SHELLGUARD_MODE == own ]] && builtin trap - DEBUG
      return 0
    fi
    _shellguard_send_early "$READLINE_LINE" "$key"
  fi
  _shellguard_enter_line "$READLINE_LINE"
}

_shellguard_enter_line() {
  # Enter on a line that needs a decision ($1). Here only the usual case, one complete
  # line allowed (see _shellguard_enter); _shellguard_enter_construct takes lines that
  # continue or open a construct, _shellguard_enter_verdict lines not allowed.
  if [[ $_SHELLGUARD_MODE == none ]] || (( ${#_SHELLGUARD_LINES[@]} )) ||
     _shellguard_maybe_incomplete "$1"; then
    _shellguard_enter_construct "$1"
    return
  fi
  [[ $1 == *[![:space:]]* ]] || return 0
  _shellguard_classify "$1" || { _shellguard_enter_verdict "$1" "$?"; return; }
  _SHELLGUARD_LINES=("$1") _SHELLGUARD_OK=$1 _SHELLGUARD_STATE=ok
  [[ $_SHELLGUARD_MODE == own ]] && builtin trap - DEBUG    # (_shellguard_disarm)
  return 0
}

_shellguard_enter_construct() {
  # Enter on a continuation line ($1), or on a line that may open a construct.
  local line=$1
  if [[ $_SHELLGUARD_MODE == none ]]; then
    # No backstop (someone else owns the DEBUG trap): nothing is left for later, every
    # physical line is asked about here, with the lines before it.
    if (( ${#_SHELLGUARD_LINES[@]} )); then
      local IFS=$'\n'
      line="${_SHELLGUARD_LINES[*]}"$'\n'"$line"
      unset IFS
    fi
    [[ $line == *[![:space:]]* ]] || return 0
    _shellguard_classify "$line"
    _shellguard_enter_verdict "$line" "$?"
    return
  fi
  # A continuation line (PS2), or a construct still open: the backstop asks about the
  # whole construct.
  if (( ${#_SHELLGUARD_LINES[@]} )); then
    _SHELLGUARD_LINES+=("$line")
    _SHELLGUARD_STATE=
  else
    _SHELLGUARD_LINES=("$line")
  fi
  _shellguard_arm
}

_shellguard_enter_verdict() {
  # Act on the decision ($2: 0 run, 1 ask, 2 refuse) about the line $1 on Enter.
  local line=$1 verdict=$2
  if (( verdict == 1 )); then
    local added=0
    # Recallable even after Ctrl-C at the question; taken back when the line runs.
    (( BASH_VERSINFO[0] >= 5 )) && _shellguard_history_add "$line" && added=1
    REPLY=no
    _shellguard_ask "$line"
    if [[ $REPLY == yes || $REPLY == always ]]; then
      (( added )) && builtin history -d -1 2>/dev/null
      [[ $REPLY == always ]] && _shellguard_always "$line"
      _shellguard_query "$line" "$REPLY"
      verdict=0
    else
      (( added )) || _shellguard_history_add "$line"
      _shellguard_query "$line" no
    fi
  elif (( verdict == 2 )); then
    _shellguard_show "$line" >&2
    builtin printf '%s\n' "shellguard: refused by policy; not run" >&2
    _shellguard_history_add "$line"
  fi
  if (( verdict == 0 )); then
    if [[ $_SHELLGUARD_MODE == none ]]; then
      _SHELLGUARD_LINES+=("$READLINE_LINE")
    else
      _SHELLGUARD_LINES=("$line")
    fi
    _SHELLGUARD_OK=$line _SHELLGUARD_STATE=ok
    [[ $_SHELLGUARD_MODE == own ]] && builtin trap - DEBUG    # (_shellguard_disarm)
    return 0
  fi
  # Not this time: the accept key does nothing for this keypress, the text stays.
  _shellguard_bind_accept redraw-current-line
  _SHELLGUARD_NOOP=1
}

# -- the backstop ---------------------------------------------------------------------

_shellguard_in_prompt_command() {
  # Is the DEBUG trap firing for a PROMPT_COMMAND entry (the line is over)? The same
  # test bash-preexec uses; a line that repeats a prompt command verbatim looks alike,
  # so callers only let such a command run, they do not end the line's state on it.
  local pc="${PROMPT_COMMAND[*]-}"
  [[ -n $BASH_COMMAND && $pc == *"$BASH_COMMAND"* ]]
}

_shellguard_history_line() {
  # The line being run, from history, when it plausibly is that line; else fails.
  [[ -o history ]] || return 1
  local h
  h=$(HISTTIMEFORMAT='' builtin history 1 2>/dev/null) || return 1
  [[ $h =~ ^[[:space:]]*[0-9]+\*?[[:space:]]+(.*)$ ]] || return 1
  h=${BASH_REMATCH[1]}
  local first=${BASH_COMMAND%% *}
  [[ -n $first && $h == *"$first"* ]] || return 1
  REPLY=$h
}

_shellguard_backstop() {
  # Decide about a line the Enter check did not approve: $1 the text (empty: find it).
  # Sets _SHELLGUARD_STATE to ok, skip or each; returns 1 to skip this command.
  local text=$1
  if [[ -z $text ]]; then
    if (( ${#_SHELLGUARD_LINES[@]} )); then
      local IFS=$'\n'
      text="${_SHELLGUARD_LINES[*]}"
    elif _shellguard_history_line; then
      text=$REPLY
    else
      # Only this simple command is known: decide command by command.
      text=$BASH_COMMAND
      _SHELLGUARD_STATE=each
    fi
  fi
  if [[ -n $_SHELLGUARD_OK && $text == "$_SHELLGUARD_OK" ]]; then
    _SHELLGUARD_STATE=ok
    return 0
  fi
  _shellguard_classify "$text"
  local verdict=$?
  if (( verdict == 1 )); then
    REPLY=no
    _shellguard_ask "$text"
    case $REPLY in
      yes | always)
        [[ $REPLY == always ]] && _shellguard_always "$text"
        _shellguard_query "$text" "$REPLY"
        verdict=0 ;;
      *) _shellguard_query "$text" no ;;
    esac
  elif (( verdict == 2 )); then
    _shellguard_show "$text" >&2
    builtin printf '%s\n' "shellguard: refused by policy; not run" >&2
  fi
  if (( verdict == 0 )); then
    [[ $_SHELLGUARD_STATE == each ]] || _SHELLGUARD_STATE=ok
    return 0
  fi
  _SHELLGUARD_STATE=skip
  # extdebug makes a non-zero DEBUG trap skip the command; on only until the prompt.
  if ! builtin shopt -q extdebug; then
    builtin shopt -s extdebug
    _SHELLGUARD_EXTDEBUG=1
  fi
  return 1
}

_shellguard_debug_line() {
  # Our DEBUG trap (mode "own"), once _shellguard_debug has seen there may be work.
  if (( ! _SHELLGUARD_PHASE )); then
    # edit-and-execute-command from some other binding runs `fc -e EDITOR` without
    # PS0: let fc and the editor run, then decide about what fc runs.
    [[ $BASH_COMMAND == 'fc -e '* && -z ${READLINE_POINT+x} ]] || return 0
    _shellguard_in_prompt_command && return 0
    _SHELLGUARD_PHASE=1 _SHELLGUARD_STATE=fc _SHELLGUARD_LINES=()
    return 0
  fi
  [[ -n ${COMP_LINE-} || -n ${READLINE_POINT+x} ]] && return 0
  if [[ $_SHELLGUARD_STATE == fc ]]; then
    [[ $BASH_COMMAND == *bash-fc* ]] && return 0          # the editor
    _SHELLGUARD_STATE=''
  fi
  if [[ $BASH_COMMAND == _shellguard_prompt* ]]; then     # the line is over
    _SHELLGUARD_PHASE=0
    return 0
  fi
  case $_SHELLGUARD_STATE in
    ok) _shellguard_disarm; return 0 ;;
    skip) _shellguard_in_prompt_command && return 0; return 1 ;;
  esac
  _shellguard_in_prompt_command && return 0
  _shellguard_disabled && { _SHELLGUARD_STATE=ok; _shellguard_disarm; return 0; }
  if [[ $_SHELLGUARD_STATE == each ]]; then
    _shellguard_backstop "$BASH_COMMAND"
  else
    _shellguard_backstop ""
  fi
  local rc=$?
  [[ $_SHELLGUARD_STATE == ok ]] && _shellguard_disarm
  return $rc
}

_shellguard_preexec() {
  # Mode "preexec": called by bash-preexec once per line with the line as $1.
  _shellguard_disabled && return 0
  [[ $_SHELLGUARD_STATE == ok ]] && return 0
  local text=$1
  (( ${#_SHELLGUARD_LINES[@]} )) && text=
  _shellguard_backstop "$text" && return 0
  # Skipping: a non-zero preexec skips only the first command, so until the prompt
  # bash-preexec's trap is swapped for one that skips everything.
  _SHELLGUARD_BP_SWAPPED=1
  builtin trap '_shellguard_skipping "$_"' DEBUG
  return 1
}

_shellguard_skipping() {
  case $BASH_COMMAND in
    __bp_precmd_invoke_cmd* | _shellguard_prompt*) _shellguard_restore_bp_trap; return 0 ;;
  esac
  _shellguard_in_prompt_command && return 0
  return 1
}

_SHELLGUARD_CHECK_LOADED=1   # last: everything above was read
