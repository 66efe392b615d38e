"""Look inside code that a command line carries as data: SQL, Mongo shell and interpreter one-liners.

These readers are deliberately small pattern tables: they find the statement
verbs and the well-known destructive APIs, and hand embedded shell commands
(``os.system("rm x")``) back to the classifier. Anything they cannot read is
reported as unknown code, which always asks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shellguard.lazy_re import LazyPattern as _Lazy
from shellguard.verdict import Crud

__all__ = ["CodeEffect", "sql_effects", "mongo_effects", "code_effects", "printf_text",
           "awk_commands"]


@dataclass(frozen=True)
class CodeEffect:
    """One thing a piece of code does; ``shell`` is an embedded shell command to classify."""

    crud: Crud
    reason: str
    shell: str | None = None
    #: for a file write: the path-like string literals that may name the file written
    literals: tuple[str, ...] = ()
    #: a file opened to write with nothing written: emptied if it exists, else created
    empties: bool = False


# -- SQL -----------------------------------------------------------------------

_SQL_READ = {"select", "show", "describe", "desc", "explain", "values", "table", "begin", "list",
             "commit", "rollback", "start", "end", "use", "pragma", "help", "\\d", "\\dt",
             "\\l", "\\du", "\\dn", "\\df", "\\dv", "\\di", "\\conninfo", "\\x", "\\timing",
             "\\q", "\\?", "\\h", "savepoint", "release", "listen", "fetch", "declare", "close",
             "prepare", "deallocate", "check", "checksum", "analyze_table",
             "summarize", "from", "exists",
             # the mysql client's own commands that only show or end the session (not
             # `system`, `source`, `tee` or `pager`: those run or write)
             "status", "exit", "quit", "clear", "connect", "ego", "go", "nopager", "notee",
             "print", "prompt", "rehash", "warnings", "nowarning", "charset", "delimiter",
             "resetconnection", "?"}
#: SQL Server's reporting procedures, which only read.
_SQL_READ_PROCS = re.compile(r"(sys\.)?sp_(who2?|help\w*|columns|tables|databases|spaceused|lock|"
                             r"server_info|statistics|stored_procedures|pkeys|fkeys|depends|"
                             r"monitor)\b|master\.dbo\.sp_(who2?|help\w*)\b")
_SQL_CREATE = {"insert", "create", "copy", "load", "\\copy", "import", "backup", "export",
               "install", "unload"}
_SQL_UPDATE = {"update", "alter", "grant", "revoke", "vacuum", "analyze", "analyse", "reindex",
               "cluster", "set", "reset", "replace", "merge", "upsert", "comment", "rename",
               "refresh", "lock", "optimize", "repair", "flush", "call", "do", "notify",
               "security", "attach", "detach", "restore", "discard", "kill"}
_SQL_DELETE = {"delete", "drop", "truncate", "purge"}
_SQLITE_DOT = {".import": Crud.CREATE, ".restore": Crud.UPDATE, ".save": Crud.CREATE,
               ".read": Crud.UPDATE,
               ".backup": Crud.CREATE, ".output": Crud.CREATE, ".once": Crud.CREATE,
               ".clone": Crud.CREATE, ".recover": Crud.CREATE, ".load": Crud.UPDATE,
               ".shell": Crud.UPDATE, ".system": Crud.UPDATE, ".excel": Crud.UPDATE,
               ".log": Crud.CREATE, ".trace": Crud.CREATE, ".archive": Crud.CREATE,
               ".ar": Crud.CREATE, ".iotrace": Crud.CREATE, ".imposter": Crud.CREATE,
               ".www": Crud.CREATE, ".testcase": Crud.CREATE}
#: sqlite3's dot-commands that only show or set this session's options (the shell
#: takes any start of a dot-command's name that no other starts: `.sh` is .shell)
_SQLITE_DOT_READ = (".auth", ".bail", ".binary", ".cd", ".changes", ".check", ".connection",
                    ".databases", ".dbconfig", ".dbinfo", ".dump", ".echo", ".eqp", ".exit",
                    ".expert", ".explain", ".filectrl", ".fullschema", ".headers", ".help",
                    ".imposter", ".indexes", ".limit", ".lint", ".mode", ".nonce", ".nullvalue",
                    ".open", ".parameter", ".print", ".progress", ".prompt", ".quit", ".schema",
                    ".selftest", ".separator", ".sha3sum", ".show", ".stats", ".tables",
                    ".timeout", ".timer", ".unmodule", ".vfsinfo", ".vfslist", ".vfsname",
                    ".width")
#: psql meta-commands that do more than show something (the rest, \d and friends, read).
#: With no argument, \o and \g only send output back to the terminal.
_PSQL_META = {"\\i": (Crud.UPDATE, "runs the SQL in a file the line does not show"),
              "\\ir": (Crud.UPDATE, "runs the SQL in a file the line does not show"),
              "\\include": (Crud.UPDATE, "runs the SQL in a file the line does not show"),
              "\\include_relative": (Crud.UPDATE, "runs the SQL in a file the line does not show"),
              "\\gexec": (Crud.UPDATE, "runs each result as SQL"),
              "\\e": (Crud.UPDATE, "runs what is written in an editor"),
              "\\ef": (Crud.UPDATE, "runs a function edited in an editor"),
              "\\ev": (Crud.UPDATE, "runs a view edited in an editor"),
              "\\!": (Crud.UPDATE, "runs a shell command"),
              "\\.": (Crud.UPDATE, "runs the SQL in a file the line does not show"),
              "\\password": (Crud.UPDATE, "changes a password"),
              "\\lo_import": (Crud.CREATE, "stores a file as a large object"),
              "\\lo_export": (Crud.CREATE, "writes a large object to a file"),
              "\\lo_unlink": (Crud.DELETE, "deletes a large object")}
#: The mysql client's commands that write a file or run a command, by the way they are
#: written (case matters: psql's \t and \p only show).
_MYSQL_CLIENT = {r"\T": (Crud.CREATE, "mysql \\T copies the output to a file"),
                 "tee": (Crud.CREATE, "mysql tee copies the output to a file"),
                 "TEE": (Crud.CREATE, "mysql tee copies the output to a file"),
                 r"\P": (Crud.UPDATE, "mysql \\P sends the output through a command"),
                 "pager": (Crud.UPDATE, "mysql pager sends the output through a command"),
                 "PAGER": (Crud.UPDATE, "mysql pager sends the output through a command")}
_PSQL_WRITES = {"\\o", "\\out", "\\g", "\\gx", "\\w", "\\write", "\\s"}
#: Functions and clauses that make a SELECT change state (first match decides the class).
_SQL_FUNCTIONS = [("pg_terminate_backend", Crud.DELETE), ("pg_drop_replication_slot", Crud.DELETE),
                  # Snowflake's SYSTEM$ functions that act (the rest only report)
                  ("system$abort", Crud.DELETE), ("system$cancel", Crud.DELETE),
                  ("system$user_task_cancel", Crud.DELETE), ("system$cleanup", Crud.DELETE),
                  ("system$send", Crud.CREATE), ("system$create", Crud.CREATE),
                  ("system$link", Crud.CREATE),
                  # schema-qualified functions of extensions, by their verb
                  ("*drop", Crud.DELETE), ("*delete", Crud.DELETE), ("*purge", Crud.DELETE),
                  ("*remove", Crud.DELETE), ("*truncate", Crud.DELETE), ("*archive", Crud.DELETE),
                  ("*create", Crud.CREATE), ("*send", Crud.CREATE), ("*insert", Crud.CREATE),
                  ("*import", Crud.CREATE), ("*export", Crud.CREATE), ("*copy", Crud.CREATE),
                  ("*add", Crud.CREATE), ("*post", Crud.CREATE), ("*put", Crud.CREATE),
                  ("*blob_put", Crud.CREATE), ("*query_export", Crud.CREATE),
                  ("*table_import", Crud.CREATE), ("http_post", Crud.CREATE),
                  ("http_delete", Crud.DELETE),
                  ("lo_unlink", Crud.DELETE), ("pg_cancel_backend", Crud.UPDATE),
                  ("pg_file_unlink", Crud.DELETE), ("pg_stat_statements_reset", Crud.DELETE),
                  ("pg_stat_reset", Crud.DELETE), ("pg_logical_slot_get", Crud.DELETE),
                  ("lo_create", Crud.CREATE), ("lo_from_bytea", Crud.CREATE),
                  ("pg_import_system_collations", Crud.CREATE), ("pg_file_write", Crud.CREATE),
                  ("into outfile", Crud.CREATE), ("into dumpfile", Crud.CREATE),
                  ("lo_export", Crud.CREATE), ("pg_create", Crud.CREATE), ("pg_copy_", Crud.CREATE),
                  # extensions' functions: pg_cron, TimescaleDB, pg_partman, PostGIS, Citus
                  ("cron.schedule", Crud.CREATE), ("cron.unschedule", Crud.DELETE),
                  ("drop_chunks", Crud.DELETE), ("add_", Crud.CREATE), ("remove_", Crud.DELETE),
                  ("drop_partition", Crud.DELETE), ("create_parent", Crud.CREATE),
                  ("dropgeometry", Crud.DELETE), ("citus_remove_node", Crud.DELETE),
                  ("master_remove_node", Crud.DELETE), ("truncate_local_data", Crud.DELETE),
                  ("pg_truncate_visibility_map", Crud.DELETE),
                  # MySQL's sys schema, keyring, audit log and version tokens
                  ("sys.ps_truncate", Crud.DELETE), ("ps_truncate", Crud.DELETE),
                  ("keyring_key_remove", Crud.DELETE), ("keyring_key_generate", Crud.CREATE),
                  ("keyring_key_store", Crud.CREATE), ("audit_log_filter_remove", Crud.DELETE),
                  ("version_tokens_delete", Crud.DELETE),
                  ("asynchronous_connection_failover_add", Crud.CREATE),
                  ("asynchronous_connection_failover_delete", Crud.DELETE),
                  ("into", Crud.CREATE)]


def _function_crud(word: str) -> Crud:
    """The class of a call that makes a SELECT act (the first entry that names it)."""
    name = word.rstrip("( ")
    tail = name.rsplit(".", 1)[-1] if "." in name else None
    for key, crud in _SQL_FUNCTIONS:
        if key.startswith("*"):
            if tail is not None and tail.startswith((key[1:], "http_" + key[1:])):
                return crud
        elif name.startswith(key):
            return crud
    return Crud.UPDATE


_SQL_SIDE_EFFECT = _Lazy(r"\b(writefile|edit|load_extension|pg_terminate_backend|pg_cancel_backend|"
                         r"executable|pg_replication_origin_\w+|pg_notify|"
                         r"pg_drop_replication_slot|"
                         r"lo_unlink|lo_export|lo_import|pg_create_\w+|pg_copy_\w+_replication_slot|setval|nextval|"
                         r"pg_reload_conf|pg_rotate_logfile|set_config|pg_switch_wal|"
                         r"pg_promote|dblink_exec|sys_exec|xp_cmdshell|"
                         # adminpack's files, statistics resets, replication slots and
                         # backups, large objects, and SQL run elsewhere (dblink)
                         r"pg_file_\w+|pg_stat_statements_reset|pg_stat_reset\w*|"
                         r"pg_logical_slot_get_\w+|pg_replication_slot_advance|"
                         r"pg_backup_start|pg_backup_stop|pg_start_backup|pg_stop_backup|"
                         r"pg_wal_replay_\w+|lo_create|lo_from_bytea|lo_put|lo_truncate|"
                         r"pg_import_system_collations|dblink|"
                         # extensions that schedule, partition, distribute or drop data
                         r"cron\.(?:schedule\w*|unschedule|alter_job)|drop_chunks|"
                         r"create_hypertable|compress_chunk|decompress_chunk|"
                         r"add_(?:retention|compression|continuous_aggregate|reorder|job)\w*|"
                         r"remove_(?:retention|compression|continuous_aggregate|reorder)\w*|"
                         r"(?:partman\.)?(?:create_parent|drop_partition_\w+|run_maintenance\w*|"
                         r"partition_data_\w+|undo_partition\w*)|"
                         r"addgeometrycolumn|dropgeometry\w+|updategeometrysrid|"
                         r"(?:citus|master)_(?:add|remove|update|activate|disable)_node|"
                         r"create_distributed_table|create_reference_table|undistribute_table|"
                         r"alter_distributed_table|rebalance_table_shards|citus_rebalance_start|"
                         r"truncate_local_data_after_distributing_table|pg_truncate_visibility_map|"
                         # MySQL's sys schema, replication, keyring, audit log, version tokens
                         r"(?:sys\.)?ps_(?:truncate_all_tables|setup_\w+)|group_replication_\w+|"
                         r"keyring_key_(?:remove|generate|store)|audit_log_filter_\w+|"
                         r"audit_log_(?:encryption_password_set|rotate)|version_tokens_(?:set|edit|delete)|"
                         r"asynchronous_connection_failover_\w+)\s*\(|"
                         # a MariaDB sequence moves on when read
                         r"\bnext\s+value\s+for\b|"
                         # Snowflake's SYSTEM$ functions, but those that only report
                         r"\bsystem\$(?!(?:get|show|list|is|explain|estimate|verify|validate|"
                         r"clustering|pipe_status|typeof|wait|whitelist|allowlist|current|"
                         r"stream_has_data|stream_get|behavior_change_bundle_status|log|"
                         r"database_refresh|task_runtime|query_reference|reference|"
                         r"authorize_stage_private|find|last_change_commit)\w*)\w+\s*\(|"
                         # a schema-qualified function named by a verb that acts
                         # (`pgmq.drop_queue`, `aws_s3.query_export_to_s3`, `net.http_post`)
                         r"\b[a-z_][\w]*\.(?:(?:http_)?(?:drop|delete|purge|remove|truncate|"
                         r"archive|create|send|insert|import|export|copy|add|post|put|patch|"
                         r"update|set|alter|replicate|anonymize|enable|disable|rotate|"
                         r"table_import|query_export|blob_put|blob_delete)\w*)\s*\(|"
                         r"\bhttp_(?:post|put|patch|delete)\s*\(|"
                         r"\binto\s+(outfile|dumpfile)\b|"
                         # SELECT ... INTO t makes table t (INTO @v sets a session variable)
                         r"\binto\s+(temp\w*\s+|unlogged\s+)?(table\s+)?(?![@:])\S", re.I)
_SQL_CTE_VERBS = _Lazy(r"\b(delete|truncate|drop|update|merge|insert)\b")
#: PRAGMAs that set something: `name = value` or `name(value)` (but for the ones whose
#: argument names what to show), and the ones that act when read.
_SQL_PRAGMA_SETS = _Lazy(r"=|\b(wal_checkpoint|optimize|incremental_vacuum|shrink_memory)\b|"
                         r"pragma\s+(\w+\.)?(?!(table_x?info|index_x?info|index_list|"
                         r"foreign_key_list|foreign_key_check|integrity_check|quick_check|"
                         r"table_list)\s*\()\w+\s*\(", re.I)
_SQL_QUOTED_CALL = _Lazy(r'"(\w+)"\s*\(')
#: Comments and literals. (`--` is a comment when a blank follows, as MySQL has it:
#: `SELECT 1 --1; DROP TABLE t` runs the DROP there; PostgreSQL would take `--1;...` as
#: a comment, and then the DROP only makes the line ask.)
_SQL_STRIP = _Lazy(r"--(?=\s|$)[^\n]*|/\*.*?\*/|(?m:^[ \t]*#[^\n]*)|\$([A-Za-z_]\w*|)\$.*?\$\1\$|"
                   r"(?<!\w)[eE]'(?:[^'\\]|\\.|'')*'|'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"", re.S)
#: The same, reading a backslash in a literal as an escape (MySQL's strings do; the SQL
#: standard's do not): what either server would run is classified. (A literal with
#: backslash escapes that is not closed runs to the end: searched again from each quote,
#: `\'\'\'...` took seconds.)
_SQL_STRIP_ESCAPES = _Lazy(r"--(?=\s|$)[^\n]*|/\*.*?\*/|(?m:^[ \t]*#[^\n]*)|"
                           r"'(?:[^'\\]|\\.|'')*(?:'|\Z)|\"(?:[^\"\\]|\\.|\"\")*(?:\"|\Z)", re.S)
_SQL_ESCAPE = _Lazy(r"\\!([^\n]*)|(?im:^[ \t]*system[ \t]+([^\n]*))")
#: `EXPLAIN ANALYZE`, `EXPLAIN ANALYSE VERBOSE`, `EXPLAIN (ANALYZE, BUFFERS)` up to the
#: statement (not `ANALYZE false`).
_SQL_EXPLAIN_ANALYZE = _Lazy(r"\s*explain\s+(?:\((?=[^)]*\banaly[sz]e\b(?!\s+(?:false|off|0)\b))"
                             r"[^)]*\)|(?=(?:(?:verbose|format\s+\w+)\s+)*analy[sz]e\b)"
                             r"(?:(?:analy[sz]e|verbose|format\s+\w+)\s+)+)", re.I)
#: A statement that changes data, inside another (T-SQL runs `SELECT 1 DROP TABLE t` as
#: two), after the statements that may start a batch.
_SQL_EMBEDDED = _Lazy(r"\b(?:insert\s+into|update\s+[\w.\[\]\"`]+\s+set|delete\s+(?:top\s*\(\s*\d+\s*\)\s*)?"
                      r"from|(?:drop|create|alter)\s+(?:table|database|view|index|procedure|proc|"
                      r"function|schema|user|login|trigger|role)|truncate\s+table|exec(?:ute)?\s+[\w@]|"
                      r"merge\s+into)\b", re.I)
_SQL_BATCH_STARTS = {"select", "print", "use", "begin", "declare", "values", "go"}
#: A backslash command to the end of its line, or a line that is a sqlite dot-command.
_SQL_LINE_COMMAND = _Lazy(r"\\[A-Za-z!][^\n]*|(?m:^[ \t]*\.[A-Za-z][^\n]*)")
#: psql's environment variables that name a command it runs (`\setenv PAGER ...`).
_PSQL_COMMAND_VARIABLES = {"pager", "psql_pager", "psql_watch_pager", "psql_editor", "editor",
                           "visual", "shell"}
#: MySQL's and MariaDB's executable comments, which they run: `/*! DROP TABLE t */`,
#: `/*!50100 ... */` (from that server version on), `/*M! ... */`.
_SQL_RUN_COMMENT = _Lazy(r"/\*M?!\d*(.*?)\*/", re.S)


def _sqlite_dot(verb: str, args: list[str]) -> Crud:
    """The class of a sqlite3 dot-command, written out or as any start of its name (the
    most severe of the commands it may name, when it names no reading one alone)."""
    if verb in _SQLITE_DOT or verb in _SQLITE_DOT_READ:
        crud = _SQLITE_DOT.get(verb, Crud.READ)
    else:
        named = [c for c in (*_SQLITE_DOT, *_SQLITE_DOT_READ) if c.startswith(verb)]
        crud = max((_SQLITE_DOT.get(c, Crud.READ) for c in named), default=Crud.READ)
    full = verb if verb in _SQLITE_DOT else next(
        (c for c in _SQLITE_DOT if c.startswith(verb)), verb)
    if full in (".log", ".trace", ".output", ".once") and args and args[0] in (
            "stdout", "stderr", "off"):
        return Crud.READ       # back to the terminal
    if ".selftest".startswith(verb) and len(verb) > 3 and "--init" in args:
        return Crud.CREATE     # fills a selftest table with tests
    if ".open".startswith(verb) and len(verb) > 2 and any(
            a in ("--new", "-new") for a in args):
        return Crud.DELETE     # `.open --new f` empties the database f
    return crud


#: SET forms that outlast the session: server-wide or persisted settings, passwords,
#: CockroachDB's cluster settings, and MySQL's @@global / @@persist variables
_SQL_SET_LASTING = _Lazy(r"(?i)^\s*set\s+(global|persist|persist_only|cluster|password|"
                         r"default\s+role)\b|@@(global|persist)|,\s*(global|persist|persist_only)\s")


def _mysql_delimiters(sql: str) -> str:
    """``sql`` with the statement ends that mysql's `DELIMITER //` sets written as `;`."""
    if "delimiter" not in sql.lower():
        return sql
    out: list[str] = []
    end = ";"
    for line in sql.split("\n"):
        changed = re.match(r"\s*delimiter\s+(\S+)\s*$", line, re.I)
        if changed:
            end = changed.group(1)
            out.append(";")
            continue
        out.append(line.replace(end, ";") if end != ";" else line)
    return "\n".join(out)


def sql_effects(sql: str) -> list[CodeEffect]:
    """Each statement's class by its verb (CLASSES.md: SELECT READ, INSERT CREATE ...)."""
    effects: list[CodeEffect] = []
    # (a quoted function name is still that function: `SELECT "setval"('s', 1)`)
    # (a comment is a blank, a literal '': neither can start a statement)
    source = _mysql_delimiters(_SQL_QUOTED_CALL.sub(r"\1(", _SQL_RUN_COMMENT.sub(r" \1 ", sql)))
    found: dict[str, None] = {}   # (each statement once, in order, from both readings)
    for strip in (_SQL_STRIP, _SQL_STRIP_ESCAPES):
        body = strip.sub(lambda m: " " if m.group(0).lstrip()[:1] in ("-", "/", "#") else " '' ",
                         source)
        # (psql and mysql read a backslash command anywhere on a line: `select 1 \g |cmd`;
        # it, and a sqlite dot-command, ends with its line)
        body = _SQL_LINE_COMMAND.sub(r"\g<0>;", body)
        found.update((s.strip(), None) for s in re.split(r";|\n(?=\s*[\\.])|(?=\\[a-zA-Z!])", body)
                     if s.strip())
    statements = list(found)
    # The shell escapes' commands, as written (the statements' quoted text is blanked by
    # now, and a command's own quotes matter): the rest of the line after psql's \!
    # (anywhere on it) or mysql's `system` (at its start), even inside a literal.
    written = [(m.group(1) or m.group(2) or "").strip() for m in _SQL_ESCAPE.finditer(sql)]
    written = [w for w in written if w]
    effects.extend(CodeEffect(Crud.READ, "\\! or system runs a shell command", command)
                   for command in written)
    # psql runs a backquoted command in a meta-command's arguments (`\set x `date``)
    effects.extend(CodeEffect(Crud.READ, "psql runs the backquoted command", command)
                   for meta in re.findall(r"\\[A-Za-z_]+[^\n]*", sql)
                   for command in re.findall(r"`([^`]*)`", meta))
    if "\\gexec" in sql.lower():
        # psql runs each row the query returns as a statement: those the query builds
        # from string literals (`SELECT format('DROP TABLE %I', t) ... \gexec`) decide
        built = [e for text in re.findall(r"'((?:[^']|'')*)'", sql)
                 if re.match(r"\s*[a-z]+\s", text, re.I) for e in sql_effects(text)
                 if e.crud is not Crud.READ]
        crud = max((e.crud for e in built), default=Crud.UPDATE)
        effects.append(CodeEffect(crud, "psql \\gexec runs each row the query returns as SQL"))
    for stmt in statements:
        words = stmt.lower().split()
        verb = words[0]
        if verb[:1].isalpha():
            # the keyword alone: `select*`, `select(1)`, `insert(...)` are statements too
            verb = re.match(r"[a-z_]+", verb).group(0)  # type: ignore[union-attr]
        if verb.startswith("."):  # sqlite3 dot-commands
            # (their arguments as written: `--new` is no SQL comment here)
            line = re.search(rf"(?im)^\s*{re.escape(verb)}(\s.*)?$", sql)
            crud = _sqlite_dot(verb, (line.group(1) or "").split() if line else words[1:])
            effects.append(CodeEffect(crud, f"sqlite {verb} {_VERB_TEXT[crud]}"))
            continue
        mysql = _MYSQL_CLIENT.get(stmt.split()[0])
        if mysql and len(words) > 1:
            # the mysql client's tee and pager (its \T and \P; psql's \t and \p only show)
            effects.append(CodeEffect(*mysql))
            continue
        escape = None
        if verb in ("\\!", "system") and len(words) > 1:
            escape = stmt.split(None, 1)[1]
        elif verb.startswith("\\!") and len(verb) > 2:
            escape, verb = stmt.lstrip()[2:], "\\!"     # psql takes `\!ls` as `\! ls`
        if escape is not None and written:
            continue  # (classified above, as written)
        if escape is not None:
            # psql's and mysql's shell escape: the command after it, classified as one
            effects.append(CodeEffect(Crud.READ, f"{verb} runs a shell command", escape))
            continue
        if (verb == "\\pset" and words[1:2] == ["pager"] and len(words) > 2
                and words[2] not in ("on", "off", "always", "0", "1", "true", "false")) or (
                verb == "\\setenv" and len(words) > 2 and words[1] in _PSQL_COMMAND_VARIABLES
                and words[2] not in ("less", "more", "most", "cat", "bat", "pspg", "moar", "ov")):
            effects.append(CodeEffect(Crud.UPDATE, f"psql {verb} sets a command psql runs later"))
            continue
        if verb == "explain" and (analyzed := _SQL_EXPLAIN_ANALYZE.match(stmt)):
            # EXPLAIN ANALYZE runs the statement it explains (the prefixes taken off in a
            # loop: `explain analyze explain analyze ...` is no reason to recurse)
            inner = stmt[analyzed.end():]
            while analyzed := _SQL_EXPLAIN_ANALYZE.match(inner):
                inner = inner[analyzed.end():]
            effects.extend(CodeEffect(e.crud, f"EXPLAIN ANALYZE runs it: {e.reason}", e.shell)
                           for e in sql_effects(inner))
            continue
        if verb.startswith("\\"):  # psql meta-commands (\d+ -> \d)
            meta = verb.rstrip("+")
            if meta in _PSQL_META:
                crud, why = _PSQL_META[meta]
                effects.append(CodeEffect(crud, f"psql {meta} {why}"))
                continue
            if meta in _PSQL_WRITES and len(words) > 1 and not words[1].startswith("|"):
                effects.append(CodeEffect(Crud.CREATE, f"psql {meta} writes output to a file"))
                continue
            if meta in _PSQL_WRITES and len(words) > 1:
                effects.append(CodeEffect(Crud.UPDATE, f"psql {meta} pipes output to a command"))
                continue
        text = " ".join(stmt.split()[:4])
        if verb in ("start", "stop") and words[1:2] and words[1] in (
                "slave", "replica", "group_replication", "all"):
            effects.append(CodeEffect(Crud.UPDATE, f"SQL '{text}' starts or stops replication"))
            continue
        if verb in ("commit", "rollback") and words[1:2] == ["prepared"]:
            effects.append(CodeEffect(Crud.UPDATE, f"SQL '{text}' ends a prepared transaction"))
            continue
        if verb == "with":
            # A CTE: any data-changing statement in it decides, also inside a bracket
            # (`WITH d AS (DELETE ... RETURNING *) SELECT ...`), the most severe first.
            found = set(_SQL_CTE_VERBS.findall(stmt.lower()))
            verb = next((v for v in ("delete", "truncate", "drop", "update", "merge", "insert")
                         if v in found), "select")
        if verb == "pragma" and _SQL_PRAGMA_SETS.search(stmt):
            effects.append(CodeEffect(Crud.UPDATE, f"SQL '{text}' changes a database setting"))
            continue
        if verb in ("exec", "execute"):
            # a stored procedure or a prepared statement: only SQL Server's own
            # reporting procedures are known to read
            crud = Crud.READ if len(words) > 1 and _SQL_READ_PROCS.match(words[1]) else Crud.UPDATE
            effects.append(CodeEffect(crud, f"SQL '{text}' runs a stored procedure or prepared "
                                            f"statement, which {_VERB_TEXT[crud]}"))
            continue
        if verb == "restore" and re.search(r"\b(filelistonly|verifyonly|headeronly|labelonly)\b",
                                           stmt, re.I):
            effects.append(CodeEffect(Crud.READ, f"SQL '{text}' only reads a backup's header"))
            continue
        if verb == "dbcc":
            crud = Crud.UPDATE if re.search(r"repair|shrink|free|drop|clean|update|reseed|"
                                            r"writepage|traceon|traceoff|setcpuweight|"
                                            r"setioweight|checkident\s*\([^)]*,\s*reseed|"
                                            r"cleantable|flushauthcache|dbreindex|indexdefrag|"
                                            r"pintable|unpintable|ruleoff|ruleon",
                                            stmt, re.I) else Crud.READ
            effects.append(CodeEffect(crud, f"SQL '{text}' {_VERB_TEXT[crud]}"))
            continue
        if verb == "set" and not _SQL_SET_LASTING.search(stmt):
            # `SET statement_timeout = '5s'`, `SET ROLE x`: this session only
            effects.append(CodeEffect(Crud.READ, f"SQL '{text}' changes this session only"))
            continue
        if verb == "create" and words[1:3] == ["or", "replace"]:
            effects.append(CodeEffect(Crud.UPDATE, f"SQL '{text}' replaces an object"))
            continue
        if verb == "load" and len(words) > 1 and ("/" in stmt or ".duckdb_extension" in words[1]
                                                  or words[1] == "''"):
            # a DuckDB extension from a file (or a name the line does not show): native code
            effects.append(CodeEffect(Crud.UPDATE, f"SQL '{text}' loads native code from a file"))
            continue
        if verb == "load" and len(words) > 1 and words[1] not in ("data", "xml", "index"):
            # DuckDB's LOAD ext: an extension for this session (MySQL's LOAD DATA adds rows)
            effects.append(CodeEffect(Crud.READ, f"SQL '{text}' loads an extension"))
            continue
        if verb == "alter":
            if " drop " in f" {stmt.lower()} ":
                effects.append(CodeEffect(Crud.DELETE, f"SQL '{text}' drops part of a table"))
            else:
                effects.append(CodeEffect(Crud.UPDATE, f"SQL '{text}' changes a schema"))
        elif verb in ("copy", "\\copy") and re.search(r"\bto\s+p?stdout\b", stmt, re.I) \
                and not _SQL_CTE_VERBS.search(stmt.lower()):
            # (`COPY (DELETE ... RETURNING *) TO STDOUT` deletes: not this branch)
            effects.append(CodeEffect(Crud.READ, f"SQL '{text}' prints the rows"))
        elif verb in ("copy", "\\copy") and re.search(r"^\S+\s*\(", stmt) \
                and _SQL_CTE_VERBS.search(stmt.lower()):
            inner = _SQL_CTE_VERBS.search(stmt.lower())
            assert inner is not None
            crud = Crud.DELETE if inner.group(1) in _SQL_DELETE else (
                Crud.CREATE if inner.group(1) == "insert" else Crud.UPDATE)
            effects.append(CodeEffect(crud, f"SQL '{text}' runs {inner.group(1).upper()}"))
        elif verb == "copy" and re.search(r"\bto\b", stmt, re.I):
            effects.append(CodeEffect(Crud.CREATE, f"SQL '{text}' writes a file"))
        elif verb == "explain" and re.search(r"\banalyze\b", stmt, re.I) and any(
                w in words for w in ("delete", "update", "insert", "drop")):
            effects.append(CodeEffect(Crud.UPDATE, f"EXPLAIN ANALYZE really runs '{text}'"))
        elif verb in _SQL_DELETE:
            effects.append(CodeEffect(Crud.DELETE, f"SQL {verb.upper()} removes data"))
        elif verb in _SQL_UPDATE:
            effects.append(CodeEffect(Crud.UPDATE, f"SQL {verb.upper()} changes existing data"))
        elif verb in _SQL_CREATE:
            effects.append(CodeEffect(Crud.CREATE, f"SQL {verb.upper()} adds data or objects"))
        elif verb in ("select", "values", "with", "call", "table") and _SQL_SIDE_EFFECT.search(stmt):
            fn = _SQL_SIDE_EFFECT.search(stmt)
            assert fn is not None
            word = fn.group(0).strip().lower()
            crud = _function_crud(word)
            if word.startswith("into") and not word.startswith(("into outfile", "into dumpfile")):
                effects.append(CodeEffect(crud, f"SQL {verb.upper()} ... INTO makes a new table"))
                continue
            effects.append(CodeEffect(crud, f"SQL {verb.upper()} calls {word.rstrip('( ')}, "
                                            f"which {_VERB_TEXT[crud]}"))
        elif verb in _SQL_READ or verb.startswith("\\"):
            embedded = _SQL_EMBEDDED.search(stmt) if verb in _SQL_BATCH_STARTS else None
            if embedded is not None:
                # T-SQL needs no `;` between statements: `SELECT 1 DROP TABLE t` runs both
                effects.extend(sql_effects(stmt[embedded.start():]))
            effects.append(CodeEffect(Crud.READ, f"SQL {verb.upper()} only reads"))
        else:
            effects.append(CodeEffect(Crud.UPDATE, f"SQL '{text}' is not a statement shellguard "
                                                   "knows"))
    return effects


# -- text sent to a network service (nc, telnet, socat) ------------------------

#: The first word of each line a client sends, by protocol: what only asks.
_SOCKET_READS = frozenset({
    # HTTP request lines (their header lines are skipped)
    "get", "head", "options",
    # Redis
    "info", "ping", "mget", "keys", "scan", "ttl", "pttl", "type", "exists", "dbsize",
    "lrange", "llen", "hget", "hgetall", "hkeys", "hlen", "smembers", "scard", "zrange",
    "zcard", "xrange", "xlen", "strlen", "time", "lastsave", "role", "echo",
    # memcached
    "stats", "version", "gets",
    # ZooKeeper's four-letter words, beanstalkd's reads
    "ruok", "srvr", "mntr", "conf", "cons", "envi", "dump", "wchs", "wchc", "wchp", "isro",
    "dirs", "stats-tube", "stats-job", "list-tubes", "list-tube-used", "list-tubes-watched",
    "peek", "peek-ready", "peek-delayed", "peek-buried", "use",
    # HAProxy's and other admin sockets, SMTP greetings, the ways out
    "show", "help", "ehlo", "helo", "noop", "quit", "exit", "close",
})
_SOCKET_WRITES = {"post": Crud.CREATE, "put": Crud.UPDATE, "patch": Crud.UPDATE,
                  "delete": Crud.DELETE, "set": Crud.UPDATE, "del": Crud.DELETE,
                  "flushall": Crud.DELETE, "flushdb": Crud.DELETE, "flush_all": Crud.DELETE}
_HTTP_HEADER = _Lazy(r"^[A-Za-z][A-Za-z0-9-]*:\s")
_HTTP_REQUEST = _Lazy(r"^[A-Z]+ \S+ HTTP/")


def socket_text_class(text: str) -> Crud | None:
    """The class of what a client sends a service, line by line, when every line is a
    request the vocabulary above knows (`GET / HTTP/1.0`, `INFO replication`, `stats`,
    `show servers state`); None for anything else (the caller asks)."""
    crud = Crud.READ
    seen = False
    lines = text.replace("\r", "").split("\n")
    if not any(_HTTP_REQUEST.match(line) for line in lines):
        # HAProxy's admin socket runs each of `;`-separated commands
        lines = [part for line in lines for part in line.split(";")]
    for line in lines:
        words = line.split()
        if not words or _HTTP_HEADER.match(line):
            continue
        verb = words[0].lower()
        if verb == "stats" and len(words) > 1 and words[1].lower() in ("reset", "detail") and (
                words[1].lower() == "reset" or words[-1].lower() in ("on", "off")):
            verb = "set"    # memcached: `stats reset`, `stats detail on` change the server
        if verb == "config" and len(words) > 1 and words[1].lower() == "get":
            verb = "get"
        elif verb == "client" and len(words) > 1 and words[1].lower() in ("list", "info"):
            verb = "info"
        elif verb == "slowlog" and len(words) > 1 and words[1].lower() in ("get", "len"):
            verb = "info"
        if verb in _SOCKET_WRITES:
            crud = max(crud, _SOCKET_WRITES[verb])
        elif verb not in _SOCKET_READS:
            return None
        seen = True
    return crud if seen else None


# -- ex and ed command lists ---------------------------------------------------

#: ex/ed commands that only show text or settings (after an optional address): print,
#: number, list, =, g/re/ with one of them, a `set` that only asks (`set ff?`) or only
#: changes the display, and the ways to quit without writing.
_EX_QUIT = r"(q|q!|qa|qa!|qall|qall!|quit|quit!|cq|cq!|Q)\s*$"
_EX_READ = _Lazy(r"""(?x)^\s*:?\s*
    (([.$%,;0-9+-]|'[a-z<>])*|/[^/]*/|\?[^?]*\?)\s*     # an address (marks are 'a)
    ( (p|pr|print|n|nu|number|\#|l|list|z)\b[\s0-9\#lp.+^=-]*$   # show lines (count, flags)
    | =\s*$
    | [gv]!?/[^/]*/\s*(p|pr|print|nu|number|\#|l|list|=)?\s*$
    | (verbose\s+)?set?\s+(\w+\?|all|list|nolist|nu|number|nonu|nonumber|ft=\w+|
        filetype=\w+|syntax=\w+|\w+&?\?)(\s+\w+\??)*\s*$
    | """ + _EX_QUIT + r"""
    | (filetype|syntax)\s+\w+\s*$
    | echo\s+("[^"]*"|'[^']*'|&\w+|[a-z]:\w+)\s*$ )""")    # a literal, an option, a variable


def ex_commands_only_read(commands: list[str]) -> bool:
    """Do these ex (vim -c) or ed commands only show text and then quit? Each may hold
    several joined by `|`; the last must quit, so nothing is left waiting (and an edit
    is never written)."""
    parts = [p for c in commands for p in c.split("|") if p.strip()]
    return bool(parts) and all(_EX_READ.match(p) for p in parts) and re.match(
        r"\s*:?\s*" + _EX_QUIT, parts[-1]) is not None


# -- Mongo shell ---------------------------------------------------------------

_MONGO = [
    (Crud.DELETE, _Lazy(r"\.(drop|dropDatabase|dropIndex(es)?|deleteOne|deleteMany|remove|"
                             r"findOneAndDelete|dropUser|dropAllUsers|dropRole|killOp)\s*\(")),
    (Crud.UPDATE, _Lazy(r"\.(updateOne|updateMany|update|replaceOne|findOneAndUpdate|"
                             r"findOneAndReplace|renameCollection|bulkWrite|updateUser|"
                             r"grantRolesToUser|revokeRolesFromUser|setProfilingLevel|"
                             r"shutdownServer)\s*\(")),
    # a command document whose first key is a read-only command only reads
    (Crud.UPDATE, _Lazy(r"\.(adminCommand|runCommand)\s*\((?!\s*\{\s*[\"']?(?:listDatabases|"
                             r"serverStatus|buildInfo|hostInfo|getLog|currentOp|ping|hello|"
                             r"isMaster|replSetGetStatus|getCmdLineOpts|listCollections|dbStats|"
                             r"collStats|connectionStatus|listCommands|getParameter|top|"
                             r"dataSize|count|find|distinct|listIndexes)[\"']?\s*:)")),
    (Crud.UPDATE, _Lazy(r"\b(rs\.(stepDown|reconfig|add|addArb|remove|freeze|syncFrom|"
                             r"initiate)|sh\.(?!status|help|getBalancerState|isBalancerRunning|"
                             r"getShardedDataDistribution|getShardDistribution)\w+|db\.fsyncLock|"
                             r"db\.fsyncUnlock)\s*\(")),
    (Crud.CREATE, _Lazy(r"\.(insertOne|insertMany|insert|save|createCollection|"
                             r"createIndex(es)?|createUser|createRole|createView)\s*\(")),
    # aggregation stages that write a collection
    (Crud.CREATE, _Lazy(r"""["']?(\$out|\$merge)["']?\s*:""")),
]


#: What a Mongo shell script may call and still only read: the query and cursor
#: methods, the status and listing helpers, and plain JavaScript on the results. Any
#: other call (`findAndModify`, `mapReduce`, `load`, `require`, a helper of a newer
#: shell) is not known to only read, so it asks.
_MONGO_READ_CALLS = frozenset("""
    find findOne count countDocuments estimatedDocumentCount distinct aggregate explain
    toArray limit sort skip pretty batchSize maxTimeMS hint comment collation projection
    readPref readConcern noCursorTimeout allowDiskUse min max returnKey showRecordId
    itcount hasNext next tryNext size length isExhausted objsLeftInBatch forEach map
    getSiblingDB getCollection getCollectionNames getCollectionInfos getName getMongo
    getDBNames getIndexes getIndexKeys getIndexSpecs getIndices stats dataSize storageSize
    totalIndexSize totalSize latencyStats isCapped getShardVersion getTimestamp
    serverStatus hostInfo currentOp version serverBuildInfo serverCmdLineOpts isMaster
    hello getUsers getUser getRoles getRole getReplicationInfo printReplicationInfo
    printSecondaryReplicationInfo printSlaveReplicationInfo getProfilingStatus
    getProfilingLevel getLogComponents listCommands status conf config isBalancerRunning
    getBalancerState getShardDistribution getShardedDataDistribution printShardingStatus
    runCommand adminCommand watch
    print printjson printjsononeline tojson tojsononeline log info warn error
    stringify parse keys values entries assign fromEntries isArray from of
    filter reduce some every find findIndex includes indexOf join slice concat flat flatMap
    reverse push
    toString toFixed toLowerCase toUpperCase trim split startsWith endsWith padStart padEnd
    replace match test substring substr charAt localeCompare toISOString toJSON valueOf
    getTime now floor ceil round abs sqrt pow
    Date ISODate ObjectId NumberLong NumberInt NumberDecimal Decimal128 UUID Timestamp
    RegExp BinData String Number Boolean Object Array Math JSON parseInt parseFloat
    passwordPrompt sleep quit exit use
    function if for while switch catch return typeof
""".split())
_MONGO_CALL = _Lazy(r"(?<![\w$])([A-Za-z_$][\w$]*)\s*\(")
#: (template literals are left in: calls inside their ${...} run)
_JS_STRINGS = _Lazy(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'", re.S)


def mongo_effects(code: str) -> list[CodeEffect]:
    # `db.users["drop"]()` is `db.users.drop()`; `db.users[name]()` calls a method named
    # only at run time
    code = re.sub(r"\[\s*(['\"])(\$?\w+)\1\s*\]", r".\2", code)
    computed = [CodeEffect(Crud.UPDATE, "the Mongo script calls a method it names at run time")
                ] if re.search(r"\]\s*\(", _JS_STRINGS.sub('""', code)) else []
    return computed + _mongo_calls(code)


def _mongo_calls(code: str) -> list[CodeEffect]:
    effects = [CodeEffect(crud, f"Mongo {m.group(1)}{'' if m.group(1)[0] == '$' else '()'} "
                                f"{_VERB_TEXT[crud]}")
               for crud, pattern in _MONGO for m in pattern.finditer(code)]
    if not effects:
        unknown = sorted({m.group(1) for m in _MONGO_CALL.finditer(_JS_STRINGS.sub('""', code))}
                         - _MONGO_READ_CALLS)
        if unknown:
            effects.append(CodeEffect(Crud.UPDATE, f"the Mongo script calls {unknown[0]}(), "
                                                   "which shellguard does not know to only read"))
        else:
            effects.append(CodeEffect(Crud.READ, "the Mongo script only reads"))
    return effects


_VERB_TEXT = {Crud.DELETE: "removes data", Crud.UPDATE: "changes data",
              Crud.CREATE: "adds data", Crud.READ: "reads"}

# -- interpreter one-liners ------------------------------------------------------

_STR = r"""(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')"""

# Calls that hand a string to a shell, per language family.
_SHELL_CALLS = {
    "python": _Lazy(r"(?:os\.system|os\.popen|subprocess\.\w+|check_output|check_call|"
                         r"Popen|run|call|getoutput|getstatusoutput)\s*\(\s*" + _STR),
    "node": _Lazy(r"(?:execSync|exec|spawnSync|spawn|execFileSync|execFile|\$)\s*\(\s*"
                       + r"(?:" + _STR + r"|`([^`]*)`)"),
    "perl": _Lazy(r"(?:system|exec|qx)\s*\(?\s*" + _STR),
    "ruby": _Lazy(r"(?:system|exec|spawn|%x|IO\.popen|Open3\.\w+)\s*[\(\{]?\s*" + _STR),
    "php": _Lazy(r"(?:system|exec|shell_exec|passthru|popen|proc_open)\s*\(\s*" + _STR),
}
_LIST_CALL = _Lazy(r"(?:subprocess\.\w+|Popen|check_output|check_call|run|call)\s*\(\s*"
                        r"\[([^\]]*)\]")
_SQL_LITERAL = _Lazy(r"""["']((?:select|insert\s+into|update\s+\w+\s+set|delete\s+from|drop\s+"""
                     r"""(?:table|database|schema|index|view)|truncate|alter\s+table|create\s+"""
                     r"""(?:table|database|index|view))\b[^"']*)["']""", re.I)
_BACKTICKS = _Lazy(r"`([^`]+)`")

_EMPTIES = "opens a file to write and writes nothing"
_APIS: list[tuple[Crud, str, _Lazy]] = [
    (Crud.DELETE, "deletes files", _Lazy(
        r"shutil\.rmtree|os\.(remove|unlink|rmdir|removedirs)\b|\.unlink\s*\(|\.rmdir\s*\(|"
        r"\b(unlink|rm|rmdir)Sync\s*\(|fs\.(unlink|rm|rmdir)\b|fs\.promises\.(unlink|rm|rmdir)|rimraf|"
        r"file\.remove\s*\(|\bunlink\s*\(|"
        r"\bunlink(?=\s*[\(\"'$])|\brmdir(?=\s*[\(\"'])|File\.(delete|unlink)|FileUtils\.(rm|rm_r|rm_rf|"
        r"remove|remove_dir|remove_entry|rmdir)\b|Dir\.(delete|unlink|rmdir)|"
        r"\brmtree\b|\bremove_tree\b|send2trash|\.truncate\s*\(\s*0?\s*\)|requests\.delete|"

        # Perl's and Ruby's builtins called without parentheses (`unlink glob "*.bak"`)
        r"\b(?:unlink|rmdir)(?=\s+(?:[$@<{\"'(]|(?:glob|grep|map|sort|keys|readdir|for|foreach)\b))|\btruncate\s*\(?\s*[\w$\"'][^,;]*,\s*0\s*\)?\s*(?:;|$)|"
        r"method\s*[:=]\s*['\"]DELETE")),
    # a file opened to write and closed with nothing written
    (Crud.DELETE, _EMPTIES, _Lazy(
        r"open\s*\([^()]*,\s*['\"]wb?['\"]\s*\)\s*\.close\s*\(\s*\)|"
        r"^\s*open\s*\([^()]*,\s*['\"]wb?['\"]\s*\)\s*;?\s*$")),
    (Crud.UPDATE, "changes files or settings", _Lazy(
        r"os\.(rename|replace|chmod|chown|utime|symlink|link|truncate)\b|shutil\.(move|chown)|"
        r"\b(rename|chmod|chown|appendFile|truncate|symlink)Sync\s*\(|fs\.(rename|chmod|chown|appendFile)\b|"
        r"file\.rename\s*\(|File\.(rename|chmod|"
        r"chown|symlink)|FileUtils\.(mv|move|chmod|chown|ln_sf|touch)|\brename\s*\(|"
        r"\bchmod\s*\(|\bchown\s*\(|open\s*\([^)]*,\s*['\"](?:a|ab|a\+|r\+|rb\+|r\+b)['\"]|"
        r"open\s*\([^)]*['\"]\s*>>|requests\.(put|patch)|method\s*[:=]\s*['\"](PUT|"
        r"PATCH)|\.write_bytes\s*\(|\bsed\b.*-i|"
        r"\b(?:rename|chmod|chown|utime|symlink|truncate)(?=\s+[$\"'0-9])")),
    (Crud.CREATE, "creates files", _Lazy(
        r"open\s*\([^)]*,\s*['\"][wx]b?\+?['\"]|open\s*\([^)]*['\"]\s*>|\.write_text\s*\(|"
        r"\.mkdir\s*\(|os\.(makedirs|mkdir|mkfifo)\b|shutil\.(copy\w*|make_archive|unpack_archive)|"
        r"\b(writeFile|mkdir|copyFile|cp|mkdtemp)Sync\s*\(|createWriteStream\s*\(|"
        r"fs\.(writeFile|mkdir|copyFile)\b|write\.(csv|table)\s*\(|writeLines\s*\(|saveRDS\s*\(|"
        r"file\.create\s*\(|dir\.create\s*\(|File\.(write|open"
        r"\s*\([^)]*['\"]w)|FileUtils\.(mkdir_p|mkdir|cp|cp_r|touch)|Dir\.mkdir|\bmkdir\s*\(|"
        r"file_put_contents|fopen\s*\([^)]*['\"][wxa]|requests\.post|method\s*[:=]\s*['\"]POST|"
        r"urlretrieve|\.to_csv\s*\(|\.save\s*\(|\.touch\s*\(|tempfile\.mk|\bmkdir(?=\s+[$\"'])")),
]


def _path_literals(code: str) -> list[str]:
    """String literals of code that look like file paths (`README.md`, `src/x.py`)."""
    found = (_unescape(a or b) for a, b in re.findall(_STR, code))
    return [text for text in found if 0 < len(text) < 256 and "\n" not in text
            and not text.startswith("-") and not text.endswith("/") and ("." in text or "/" in text)]


def _written_paths(call: str, code: str) -> tuple[str, ...]:
    """The paths a file write may name: those in the call itself (`open('out.json', 'w')`),
    else every path-like literal of the code (`p = 'x.py'; open(p, 'w')`)."""
    return tuple(_path_literals(call) or _path_literals(code))


def _unescape(text: str) -> str:
    return text.replace("\\'", "'").replace('\\"', '"').replace("\\\\", "\\")


def code_effects(code: str, language: str) -> list[CodeEffect]:
    """What an inline program visibly does; embedded shell commands come back as ``shell``."""
    effects: list[CodeEffect] = []
    calls = _SHELL_CALLS.get(language)
    shell_spans: list[tuple[int, int]] = []
    if calls is not None:
        for m in calls.finditer(code):
            literal = next((g for g in m.groups() if g is not None), None)
            if literal is not None:
                effects.append(CodeEffect(Crud.READ, "runs a shell command", _unescape(literal)))
                shell_spans.append(m.span())
    if language == "python":
        for m in _LIST_CALL.finditer(code):
            items = re.findall(_STR, m.group(1))
            argv = [_unescape(a or b) for a, b in items]
            if argv:
                effects.append(CodeEffect(Crud.READ, "runs a program",
                                          " ".join(_shell_quote(a) for a in argv)))
                shell_spans.append(m.span())
    if language in ("perl", "ruby", "php"):
        for m in _BACKTICKS.finditer(code):
            effects.append(CodeEffect(Crud.READ, "runs a shell command", m.group(1)))
    rest = code
    for start, end in reversed(shell_spans):
        rest = rest[:start] + " " + rest[end:]
    for literal in _SQL_LITERAL.finditer(rest):
        for effect in sql_effects(next(g for g in literal.groups() if g is not None)):
            effects.append(CodeEffect(effect.crud, f"the {language} code runs {effect.reason}"))
    for crud, what, pattern in _APIS:
        m = pattern.search(rest)
        if m:
            empties = what == _EMPTIES
            literals = _written_paths(m.group(0), rest) if crud is Crud.CREATE or empties else ()
            effects.append(CodeEffect(crud, f"the {language} code {what} ({m.group(0).strip()})",
                                      literals=literals, empties=empties))
    return effects


# -- Ansible templates: lookups that run commands or write ------------------------------

#: `lookup('pipe', 'cmd')`, `query("ansible.builtin.password", "f length=8")`, `q(...)`:
#: the plugin, its first term, and the rest of the call.
_JINJA_LOOKUP = _Lazy(r"""\b(?:lookup|query|q)\(\s*(['"])([\w.]+)\1\s*,\s*(['"])(.*?)\3([^)]*)\)""",
                      re.S)
#: a lookup whose plugin name is not one string literal (`lookup('pi' ~ 'pe', ...)`)
_JINJA_COMPUTED_LOOKUP = _Lazy(r"""\b(?:lookup|query|q)\(\s*(?!(['"])[\w.]+\1\s*[,)])[^)]""")
_VAULT_LOGIN_LOOKUP = _Lazy(r"""\b(?:lookup|query|q)\(\s*['"](?:[\w.]+\.)?vault_login['"]""")
_LOOKUP_METHOD = _Lazy(r"""\bmethod\s*=\s*['"]?(\w+)""", re.I)
_LOOKUP_SETS = _Lazy(r"\b(create|overwrite|missing)\s*=\s*['\"]?(true|yes|create)\b", re.I)
#: the command module's `argv=[...]` form, the list as Ansible writes it
_ANSIBLE_ARGV = _Lazy(r"^\s*argv\s*=\s*\[(.*)\]\s*$", re.S)
_ARGV_ITEM = _Lazy(r"""'([^']*)'|"([^"]*)"|([^,\s\]]+)""")
_HTTP_METHOD_CRUD = {"POST": Crud.CREATE, "PUT": Crud.UPDATE, "PATCH": Crud.UPDATE,
                     "DELETE": Crud.DELETE}


def template_effects(text: str) -> list[CodeEffect]:
    """What the lookups in an Ansible (Jinja) template do when it is rendered on the
    controller: `pipe` and `lines` run a command, `password` writes a file, and
    `passwordstore`, `vault_write` and `url` with a method change stores or services."""
    effects: list[CodeEffect] = []
    for m in _JINJA_LOOKUP.finditer(text):
        plugin = m.group(2).rsplit(".", 1)[-1]
        term, rest = m.group(4), m.group(5)
        if plugin in ("pipe", "lines"):
            effects.append(CodeEffect(Crud.READ, f"the {plugin} lookup runs '{term}'", shell=term))
        elif plugin == "password" and term.split()[:1] != ["/dev/null"]:
            effects.append(CodeEffect(Crud.CREATE, f"the password lookup writes a password to "
                                                   f"{term.split()[0] if term.split() else term}"))
        elif plugin == "passwordstore" and _LOOKUP_SETS.search(term + rest):
            effects.append(CodeEffect(Crud.UPDATE, "the passwordstore lookup creates or "
                                                   "overwrites an entry"))
        elif plugin == "vault_write":
            effects.append(CodeEffect(Crud.UPDATE, "the vault_write lookup writes to Vault"))
        elif plugin == "url":
            method = _LOOKUP_METHOD.search(rest)
            crud = _HTTP_METHOD_CRUD.get(method.group(1).upper()) if method else None
            if crud is not None:
                effects.append(CodeEffect(crud, f"the url lookup sends an HTTP "
                                                f"{method.group(1).upper()}"))
    if _VAULT_LOGIN_LOOKUP.search(text):
        effects.append(CodeEffect(Crud.CREATE, "the vault_login lookup creates a Vault token"))
    for m in _JINJA_COMPUTED_LOOKUP.finditer(text):
        effects.append(CodeEffect(Crud.UPDATE, f"a lookup whose plugin is named by an expression "
                                               f"({m.group(0).strip()}) may run a command"))
    return effects


def ansible_argv(text: str) -> list[str] | None:
    """The argv of the command module's `argv=['rm', '-rf', 'x']` form, else None."""
    m = _ANSIBLE_ARGV.match(text)
    if m is None:
        return None
    return [next(g for g in item.groups() if g is not None)
            for item in _ARGV_ITEM.finditer(m.group(1))]


# -- awk: the shell commands a program runs ---------------------------------------------

_AWK_STRING_TEXT = r'"(?:[^"\\\n]|\\.)*"'
_AWK_STRING = _Lazy(_AWK_STRING_TEXT)
_AWK_STRING_LAST = _Lazy(f"({_AWK_STRING_TEXT})\\s*$")
_AWK_SYSTEM = _Lazy(r"\bsystem\s*\(")
_AWK_SYSTEM_LITERAL = _Lazy(f"\\s*({_AWK_STRING_TEXT})\\s*\\)")
_AWK_PIPE = _Lazy(r"\|&|(?<!\|)\|(?!\|)\s*(getline\b)?")
#: A regex literal: a slash where an operand starts (after ~, an opening bracket, a
#: separator or a boolean operator, or first), not a division.
_AWK_REGEX = _Lazy(r"(^|[~(,{;!&|\n])(\s*)/((?:[^/\\\n]|\\.)*)/")
_AWK_ESCAPE = _Lazy(r"\\(.)", re.S)


def _awk_unquote(literal: str) -> str:
    return _AWK_ESCAPE.sub(lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)),
                           literal[1:-1])


def awk_commands(program: str) -> tuple[list[str], str] | None:
    """The shell commands an awk program runs (``system("date")``, ``"ls" | getline``,
    ``print | "sort -n"``) and the program without them, when every one is a string
    literal; None when one is built at run time (``system("rm " $1)``), or a coprocess
    (``|&``), or a ``|`` the reader cannot place (inside a regex, say)."""
    # the insides of strings and regex literals cannot hold a pipe or a call: blank
    # them for the search, and the regexes in what is left (`$7 !~ /(sh|bash)$/`)
    program = _AWK_REGEX.sub(lambda m: f"{m.group(1)}{m.group(2)}/{'x' * len(m.group(3))}/",
                             program)
    masked = _AWK_STRING.sub(lambda m: '"' + "x" * (len(m.group(0)) - 2) + '"', program)
    commands: list[str] = []
    cuts: list[tuple[int, int, str]] = []
    for m in _AWK_SYSTEM.finditer(masked):
        literal = _AWK_SYSTEM_LITERAL.match(program, m.end())
        if literal is None:
            return None
        commands.append(_awk_unquote(literal.group(1)))
        cuts.append((m.start(), literal.end(), "0"))
    for m in _AWK_PIPE.finditer(masked):
        if m.group(0) == "|&":
            return None
        if m.group(1):  # "cmd" | getline: the literal is before the pipe
            before = _AWK_STRING_LAST.search(program, 0, m.start())
            if before is None:
                return None
            commands.append(_awk_unquote(before.group(1)))
            cuts.append((before.start(), m.end(), "getline"))
        else:  # print ... | "cmd": the literal is after it
            after = _AWK_STRING.match(program, m.end())
            if after is None:
                return None
            commands.append(_awk_unquote(after.group(0)))
            cuts.append((m.start(), after.end(), ""))
    # a bar inside a string is text (`FS = "|"`, `print a "|" b`): not one for the rules
    # that look for pipes in what is left
    rest = _AWK_STRING.sub(lambda m: m.group(0).replace("|", "_"), program)
    for start, end, text in sorted(cuts, reverse=True):
        rest = rest[:start] + text + rest[end:]
    return commands, rest


def _shell_quote(word: str) -> str:
    if re.fullmatch(r"[\w@%+=:,./-]+", word):
        return word
    return "'" + word.replace("'", "'\"'\"'") + "'"


_ESCAPE = re.compile(r"\\(x[0-9A-Fa-f]{1,2}|u[0-9A-Fa-f]{1,4}|U[0-9A-Fa-f]{1,8}|[0-7]{1,4}|.)", re.S)
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f",
                   "v": "\v", "e": "\x1b", "E": "\x1b", "\\": "\\"}


def _printf_escapes(text: str) -> str:
    """The text printf and `echo -e` make of their escapes: `\\n`, `\\x72`, `\\u006d`,
    `\\0155` (`echo -e`) and `\\155` (printf) alike, so that `rm` spelt in escapes and
    piped into a shell is read as `rm`."""
    def one(match: re.Match[str]) -> str:
        body = match.group(1)
        if body[0] in "xuU" and len(body) > 1:
            code = int(body[1:], 16)
        elif body[0] in "01234567":
            code = int(body, 8)
        else:
            return _SIMPLE_ESCAPES.get(body, match.group(0))
        return chr(code) if code < 0x110000 and not 0xD800 <= code < 0xE000 else match.group(0)
    return _ESCAPE.sub(one, text) if "\\" in text else text


def printf_text(argv: tuple[str, ...]) -> str:
    """The text ``echo``/``printf`` with literal arguments would print (close enough to classify)."""
    if not argv:
        return ""
    words = list(argv[1:])
    if argv[0].endswith("printf"):
        if words[:1] == ["--"]:  # (the end of printf's options)
            words = words[1:]
        fmt = words[0] if words else ""
        if fmt.count("%s") == 1 and len(words) > 2:
            # the format is used again for each argument: `printf '%s\\n' a b` prints 2 lines
            text = "".join(fmt.replace("%s", arg) for arg in words[1:])
        else:
            text = fmt.replace("%s", " ".join(words[1:])) if "%s" in fmt else fmt
        return _printf_escapes(text)
    while words and re.fullmatch(r"-[neE]+", words[0]):
        if "e" in words[0]:
            words = [_printf_escapes(w) for w in words]
        words.pop(0)
    return " ".join(words)
