#compdef optctl

__optctl_complete() {
    local -ar non_empty_completions=("${@:#(|:*)}")
    local -ar empty_completions=("${(M)@:#(|:*)}")
    _describe -V '' non_empty_completions -- empty_completions -P $'\'\''
}

__optctl_custom_complete() {
    local -a completions
    completions=("${(@f)"$("${command_name}" "${@}" "${command_line[@]}")"}")
    if [[ "${#completions[@]}" -gt 1 ]]; then
        __optctl_complete "${completions[@]:0:-1}"
    fi
}

__optctl_cursor_index_in_current_word() {
    if [[ -z "${QIPREFIX}${IPREFIX}${PREFIX}" ]]; then
        printf 0
    else
        printf %s "${#${(z)LBUFFER}[-1]}"
    fi
}

_optctl() {
    emulate -RL zsh -G
    setopt extendedglob nullglob numericglobsort
    unsetopt aliases banghist

    local -xr SAP_SHELL=zsh
    local -x SAP_SHELL_VERSION
    SAP_SHELL_VERSION="$(builtin emulate zsh -c 'printf %s "${ZSH_VERSION}"')"
    local -r SAP_SHELL_VERSION

    local context state state_descr line
    local -A opt_args

    local -r command_name="${words[1]}"
    local -ar command_line=("${words[@]}")
    local -ir current_word_index="$((CURRENT - 1))"

    local -i ret=1
    local -ar arg_specs=(
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
        '(-): :->command'
        '(-)*:: :->arg'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0
    case "${state}" in
    command)
        local -ar subcommands=(
            'stats:Show dashboard statistics: models, sessions by outcome, average gains.'
            'run:Optimize a model and measure size, speed and accuracy before and after.'
            'techniques:List the optimization techniques with their parameters.'
            'inspect:Show a model'\''s interface, size and ops, and what the engine cannot run.'
            'bench:Time a model on the engine: latency p50/p90/p99 and peak memory.'
            'check:Run a model on ONNX test data and compare with the expected outputs.'
            'sessions:List and inspect optimization sessions.'
            'config:Read, replace and check the optimization criteria.'
            'models:Register and list model files.'
            'serve:Serve the REST API (and the dashboard'\''s real-time channel) over HTTP.'
            'users:Manage the users of optctl serve.'
            'shell:An interactive prompt over the same commands (history, tab completion).'
            'help:Show subcommand help information.'
        )
        _describe -V subcommand subcommands && ret=0
        ;;
    arg)
        case "${words[1]}" in
        stats|run|techniques|inspect|bench|check|sessions|config|models|serve|users|shell|help)
            "_optctl_${words[1]}" && ret=0
            ;;
        esac
        ;;
    esac

    return "${ret}"
}

_optctl_stats() {
    local -i ret=1
    local -ar arg_specs=(
        '--home[Home folder holding the optctl database.]:path:'
        '--user[Act as this user (default\: $OPTCTL_USER, else the login name).]:name:'
        '--json[Print machine-readable JSON (docs/json.md).]'
        '(-q --quiet)'{-q,--quiet}'[Print only what a script needs (ids), no messages.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_optctl_run() {
    local -i ret=1
    local -ar arg_specs=(
        ':model:'
        '--techniques[Comma-separated technique ids (`optctl techniques` lists them).]:list:'
        '*--param[A technique parameter, TECHNIQUE.NAME=VALUE (repeatable; VALUE as JSON or a plain string), e.g. quantize-int8.method=entropy.]:setting:'
        '--criteria[Criteria JSON for this run only, instead of the stored criteria.]:file:'
        '--calibration[Calibration data\: a folder of test_data_set_K folders, a .npy or a .npz file.]:path:'
        '--validation[Validation data in the same formats (default\: the calibration data, else synthetic inputs).]:path:'
        '--out[Where to write the optimized model (default\: NAME.opt.onnx beside the input).]:path:'
        '--threads[Threads for every measurement (default\: all cores).]:n:'
        '--runs[Timed runs per latency measurement, after the warm-up.]:n:'
        '--warmup[Untimed warm-up runs before each latency measurement.]:n:'
        '--control-hz[Control-loop rate\: check that the optimized p99 fits one period.]:hz:'
        '*--top1[An output holding class scores, scored by top-1 agreement (repeatable).]:output:'
        '--home[Home folder holding the optctl database.]:path:'
        '--user[Act as this user (default\: $OPTCTL_USER, else the login name).]:name:'
        '--json[Print machine-readable JSON (docs/json.md).]'
        '(-q --quiet)'{-q,--quiet}'[Print only what a script needs (ids), no messages.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_optctl_techniques() {
    local -i ret=1
    local -ar arg_specs=(
        '--home[Home folder holding the optctl database.]:path:'
        '--user[Act as this user (default\: $OPTCTL_USER, else the login name).]:name:'
        '--json[Print machine-readable JSON (docs/json.md).]'
        '(-q --quiet)'{-q,--quiet}'[Print only what a script needs (ids), no messages.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_optctl_inspect() {
    local -i ret=1
    local -ar arg_specs=(
        ':model:'
        '--home[Home folder holding the optctl database.]:path:'
        '--user[Act as this user (default\: $OPTCTL_USER, else the login name).]:name:'
        '--json[Print machine-readable JSON (docs/json.md).]'
        '(-q --quiet)'{-q,--quiet}'[Print only what a script needs (ids), no messages.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_optctl_bench() {
    local -i ret=1
    local -ar arg_specs=(
        ':model:'
        '--threads[Threads (default\: all cores).]:n:'
        '--runs[Timed runs.]:n:'
        '--warmup[Untimed warm-up runs.]:n:'
        '--inputs[Input data\: a test_data_set folder, .npy or .npz (its first sample).]:path:'
        '--home[Home folder holding the optctl database.]:path:'
        '--user[Act as this user (default\: $OPTCTL_USER, else the login name).]:name:'
        '--json[Print machine-readable JSON (docs/json.md).]'
        '(-q --quiet)'{-q,--quiet}'[Print only what a script needs (ids), no messages.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_optctl_check() {
    local -i ret=1
    local -ar arg_specs=(
        ':model:'
        ':data-dir:'
        '--rtol[Relative tolerance.]:r:'
        '--atol[Absolute tolerance.]:a:'
        '--threads[Threads (default\: all cores).]:n:'
        '--home[Home folder holding the optctl database.]:path:'
        '--user[Act as this user (default\: $OPTCTL_USER, else the login name).]:name:'
        '--json[Print machine-readable JSON (docs/json.md).]'
        '(-q --quiet)'{-q,--quiet}'[Print only what a script needs (ids), no messages.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_optctl_sessions() {
    local -i ret=1
    local -ar arg_specs=(
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
        '(-): :->command'
        '(-)*:: :->arg'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0
    case "${state}" in
    command)
        local -ar subcommands=(
            'list:List sessions, newest first.'
            'show:Show one session with its measured results and their provenance.'
        )
        _describe -V subcommand subcommands && ret=0
        ;;
    arg)
        case "${words[1]}" in
        list|show)
            "_optctl_sessions_${words[1]}" && ret=0
            ;;
        esac
        ;;
    esac

    return "${ret}"
}

_optctl_sessions_list() {
    local -i ret=1
    local -ar arg_specs=(
        '--status[Only sessions with this status\: pending, running, completed, failed, cancelled.]:status:'
        '--model[Only sessions of this model id.]:model-id:'
        '--since[Only sessions created at or after this date or time (ISO-8601, e.g. 2026-11-01).]:date:'
        '--until[Only sessions created at or before this date or time (ISO-8601).]:date:'
        '--skip[Skip this many sessions (for paging; write --skip=N for negative N).]:n:'
        '--limit[Show at most this many sessions, 1 to 100 (default 50).]:n:'
        '--home[Home folder holding the optctl database.]:path:'
        '--user[Act as this user (default\: $OPTCTL_USER, else the login name).]:name:'
        '--json[Print machine-readable JSON (docs/json.md).]'
        '(-q --quiet)'{-q,--quiet}'[Print only what a script needs (ids), no messages.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_optctl_sessions_show() {
    local -i ret=1
    local -ar arg_specs=(
        ':id:'
        '--home[Home folder holding the optctl database.]:path:'
        '--user[Act as this user (default\: $OPTCTL_USER, else the login name).]:name:'
        '--json[Print machine-readable JSON (docs/json.md).]'
        '(-q --quiet)'{-q,--quiet}'[Print only what a script needs (ids), no messages.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_optctl_config() {
    local -i ret=1
    local -ar arg_specs=(
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
        '(-): :->command'
        '(-)*:: :->arg'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0
    case "${state}" in
    command)
        local -ar subcommands=(
            'get:Print the current optimization criteria as JSON (with its version).'
            'put:Replace the optimization criteria with a JSON document.'
            'validate:Check a criteria JSON document against every rule without storing it.'
        )
        _describe -V subcommand subcommands && ret=0
        ;;
    arg)
        case "${words[1]}" in
        get|put|validate)
            "_optctl_config_${words[1]}" && ret=0
            ;;
        esac
        ;;
    esac

    return "${ret}"
}

_optctl_config_get() {
    local -i ret=1
    local -ar arg_specs=(
        '--home[Home folder holding the optctl database.]:path:'
        '--user[Act as this user (default\: $OPTCTL_USER, else the login name).]:name:'
        '--json[Print machine-readable JSON (docs/json.md).]'
        '(-q --quiet)'{-q,--quiet}'[Print only what a script needs (ids), no messages.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_optctl_config_put() {
    local -i ret=1
    local -ar arg_specs=(
        ':file:'
        '--home[Home folder holding the optctl database.]:path:'
        '--user[Act as this user (default\: $OPTCTL_USER, else the login name).]:name:'
        '--json[Print machine-readable JSON (docs/json.md).]'
        '(-q --quiet)'{-q,--quiet}'[Print only what a script needs (ids), no messages.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_optctl_config_validate() {
    local -i ret=1
    local -ar arg_specs=(
        ':file:'
        '--home[Home folder holding the optctl database.]:path:'
        '--user[Act as this user (default\: $OPTCTL_USER, else the login name).]:name:'
        '--json[Print machine-readable JSON (docs/json.md).]'
        '(-q --quiet)'{-q,--quiet}'[Print only what a script needs (ids), no messages.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_optctl_models() {
    local -i ret=1
    local -ar arg_specs=(
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
        '(-): :->command'
        '(-)*:: :->arg'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0
    case "${state}" in
    command)
        local -ar subcommands=(
            'add:Register an ONNX model file.'
            'list:List registered models, newest first.'
        )
        _describe -V subcommand subcommands && ret=0
        ;;
    arg)
        case "${words[1]}" in
        add|list)
            "_optctl_models_${words[1]}" && ret=0
            ;;
        esac
        ;;
    esac

    return "${ret}"
}

_optctl_models_add() {
    local -i ret=1
    local -ar arg_specs=(
        ':path:'
        '--name[A display name (default\: the file name).]:name:'
        '--home[Home folder holding the optctl database.]:path:'
        '--user[Act as this user (default\: $OPTCTL_USER, else the login name).]:name:'
        '--json[Print machine-readable JSON (docs/json.md).]'
        '(-q --quiet)'{-q,--quiet}'[Print only what a script needs (ids), no messages.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_optctl_models_list() {
    local -i ret=1
    local -ar arg_specs=(
        '--home[Home folder holding the optctl database.]:path:'
        '--user[Act as this user (default\: $OPTCTL_USER, else the login name).]:name:'
        '--json[Print machine-readable JSON (docs/json.md).]'
        '(-q --quiet)'{-q,--quiet}'[Print only what a script needs (ids), no messages.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_optctl_serve() {
    local -i ret=1
    local -ar arg_specs=(
        '--host[Address to listen on (default 127.0.0.1, or $OPTCTL_HOST).]:address:'
        '--port[Port to listen on; 0 picks a free one (default 8000, or $OPTCTL_PORT).]:port:'
        '--profile[dev, staging or prod (default dev, or $OPTCTL_PROFILE).]:profile:'
        '--home[Home folder holding the optctl database.]:path:'
        '--user[Act as this user (default\: $OPTCTL_USER, else the login name).]:name:'
        '--json[Print machine-readable JSON (docs/json.md).]'
        '(-q --quiet)'{-q,--quiet}'[Print only what a script needs (ids), no messages.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_optctl_users() {
    local -i ret=1
    local -ar arg_specs=(
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
        '(-): :->command'
        '(-)*:: :->arg'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0
    case "${state}" in
    command)
        local -ar subcommands=(
            'add:Add a user who can sign in to optctl serve.'
            'list:List the users of optctl serve, by name.'
            'remove:Remove a user.'
        )
        _describe -V subcommand subcommands && ret=0
        ;;
    arg)
        case "${words[1]}" in
        add|list|remove)
            "_optctl_users_${words[1]}" && ret=0
            ;;
        esac
        ;;
    esac

    return "${ret}"
}

_optctl_users_add() {
    local -i ret=1
    local -ar ___role=('admin' 'engineer' 'viewer')
    local -ar arg_specs=(
        ':name:'
        '--role[The user'\''s role\: admin, engineer or viewer.]:role:{__optctl_complete "${___role[@]}"}'
        '--password-stdin[Read the password from standard input (one line) instead of prompting.]'
        '--home[Home folder holding the optctl database.]:path:'
        '--user[Act as this user (default\: $OPTCTL_USER, else the login name).]:name:'
        '--json[Print machine-readable JSON (docs/json.md).]'
        '(-q --quiet)'{-q,--quiet}'[Print only what a script needs (ids), no messages.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_optctl_users_list() {
    local -i ret=1
    local -ar arg_specs=(
        '--home[Home folder holding the optctl database.]:path:'
        '--user[Act as this user (default\: $OPTCTL_USER, else the login name).]:name:'
        '--json[Print machine-readable JSON (docs/json.md).]'
        '(-q --quiet)'{-q,--quiet}'[Print only what a script needs (ids), no messages.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_optctl_users_remove() {
    local -i ret=1
    local -ar arg_specs=(
        ':name:'
        '--home[Home folder holding the optctl database.]:path:'
        '--user[Act as this user (default\: $OPTCTL_USER, else the login name).]:name:'
        '--json[Print machine-readable JSON (docs/json.md).]'
        '(-q --quiet)'{-q,--quiet}'[Print only what a script needs (ids), no messages.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_optctl_shell() {
    local -i ret=1
    local -ar arg_specs=(
        '--home[Home folder holding the optctl database.]:path:'
        '--user[Act as this user (default\: $OPTCTL_USER, else the login name).]:name:'
        '--json[Print machine-readable JSON (docs/json.md).]'
        '(-q --quiet)'{-q,--quiet}'[Print only what a script needs (ids), no messages.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_optctl_help() {
    local -i ret=1
    local -ar arg_specs=(
        '*:subcommands:'
        '--version[Show the version.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

if [[ "${funcstack[1]}" = _optctl ]]; then
    _optctl "${@}"
else
    compdef _optctl optctl
fi
