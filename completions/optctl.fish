function __optctl_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __optctl_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __optctl_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __optctl_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __optctl_parse_tokens -S
    set -l unparsed_tokens (__optctl_tokens -pc)
    switch $unparsed_tokens[1]
    case 'optctl'
        __optctl_parse_subcommand 0 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'stats'
            __optctl_parse_subcommand 0 'home=' 'user=' 'json' 'q/quiet' 'version' 'h/help'
        case 'run'
            __optctl_parse_subcommand 1 'techniques=' 'param=+' 'criteria=' 'calibration=' 'validation=' 'out=' 'threads=' 'runs=' 'warmup=' 'control-hz=' 'top1=+' 'home=' 'user=' 'json' 'q/quiet' 'version' 'h/help'
        case 'techniques'
            __optctl_parse_subcommand 0 'home=' 'user=' 'json' 'q/quiet' 'version' 'h/help'
        case 'inspect'
            __optctl_parse_subcommand 1 'home=' 'user=' 'json' 'q/quiet' 'version' 'h/help'
        case 'bench'
            __optctl_parse_subcommand 1 'threads=' 'runs=' 'warmup=' 'inputs=' 'home=' 'user=' 'json' 'q/quiet' 'version' 'h/help'
        case 'check'
            __optctl_parse_subcommand 2 'rtol=' 'atol=' 'threads=' 'home=' 'user=' 'json' 'q/quiet' 'version' 'h/help'
        case 'sessions'
            __optctl_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'list'
                __optctl_parse_subcommand 0 'status=' 'model=' 'since=' 'until=' 'skip=' 'limit=' 'home=' 'user=' 'json' 'q/quiet' 'version' 'h/help'
            case 'show'
                __optctl_parse_subcommand 1 'home=' 'user=' 'json' 'q/quiet' 'version' 'h/help'
            end
        case 'config'
            __optctl_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'get'
                __optctl_parse_subcommand 0 'home=' 'user=' 'json' 'q/quiet' 'version' 'h/help'
            case 'put'
                __optctl_parse_subcommand 1 'home=' 'user=' 'json' 'q/quiet' 'version' 'h/help'
            case 'validate'
                __optctl_parse_subcommand 1 'home=' 'user=' 'json' 'q/quiet' 'version' 'h/help'
            end
        case 'models'
            __optctl_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'add'
                __optctl_parse_subcommand 1 'name=' 'home=' 'user=' 'json' 'q/quiet' 'version' 'h/help'
            case 'list'
                __optctl_parse_subcommand 0 'home=' 'user=' 'json' 'q/quiet' 'version' 'h/help'
            end
        case 'serve'
            __optctl_parse_subcommand 0 'host=' 'port=' 'profile=' 'home=' 'user=' 'json' 'q/quiet' 'version' 'h/help'
        case 'users'
            __optctl_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'add'
                __optctl_parse_subcommand 1 'role=' 'password-stdin' 'home=' 'user=' 'json' 'q/quiet' 'version' 'h/help'
            case 'list'
                __optctl_parse_subcommand 0 'home=' 'user=' 'json' 'q/quiet' 'version' 'h/help'
            case 'remove'
                __optctl_parse_subcommand 1 'home=' 'user=' 'json' 'q/quiet' 'version' 'h/help'
            end
        case 'shell'
            __optctl_parse_subcommand 0 'home=' 'user=' 'json' 'q/quiet' 'version' 'h/help'
        case 'help'
            __optctl_parse_subcommand -r 1 'version'
        end
    end
end

function __optctl_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __optctl_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __optctl_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __optctl_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__optctl_tokens -p)
    if test -z "$(__optctl_tokens -t)"
        set -l index (count (__optctl_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'optctl' -f
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl" version' -l 'version' -d 'Show the version.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_positional "optctl" -eq 1' -fa 'stats' -d 'Show dashboard statistics: models, sessions by outcome, average gains.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_positional "optctl" -eq 1' -fa 'run' -d 'Optimize a model and measure size, speed and accuracy before and after.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_positional "optctl" -eq 1' -fa 'techniques' -d 'List the optimization techniques with their parameters.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_positional "optctl" -eq 1' -fa 'inspect' -d 'Show a model\'s interface, size and ops, and what the engine cannot run.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_positional "optctl" -eq 1' -fa 'bench' -d 'Time a model on the engine: latency p50/p90/p99 and peak memory.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_positional "optctl" -eq 1' -fa 'check' -d 'Run a model on ONNX test data and compare with the expected outputs.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_positional "optctl" -eq 1' -fa 'sessions' -d 'List and inspect optimization sessions.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_positional "optctl" -eq 1' -fa 'config' -d 'Read, replace and check the optimization criteria.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_positional "optctl" -eq 1' -fa 'models' -d 'Register and list model files.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_positional "optctl" -eq 1' -fa 'serve' -d 'Serve the REST API (and the dashboard\'s real-time channel) over HTTP.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_positional "optctl" -eq 1' -fa 'users' -d 'Manage the users of optctl serve.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_positional "optctl" -eq 1' -fa 'shell' -d 'An interactive prompt over the same commands (history, tab completion).'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_positional "optctl" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl stats" home' -l 'home' -d 'Home folder holding the optctl database.' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl stats" user' -l 'user' -d 'Act as this user (default: $OPTCTL_USER, else the login name).' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl stats" json' -l 'json' -d 'Print machine-readable JSON (docs/json.md).'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl stats" q quiet' -s 'q' -l 'quiet' -d 'Print only what a script needs (ids), no messages.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl stats" version' -l 'version' -d 'Show the version.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl stats" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl run" techniques' -l 'techniques' -d 'Comma-separated technique ids (`optctl techniques` lists them).' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl run"' -l 'param' -d 'A technique parameter, TECHNIQUE.NAME=VALUE (repeatable; VALUE as JSON or a plain string), e.g. quantize-int8.method=entropy.' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl run" criteria' -l 'criteria' -d 'Criteria JSON for this run only, instead of the stored criteria.' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl run" calibration' -l 'calibration' -d 'Calibration data: a folder of test_data_set_K folders, a .npy or a .npz file.' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl run" validation' -l 'validation' -d 'Validation data in the same formats (default: the calibration data, else synthetic inputs).' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl run" out' -l 'out' -d 'Where to write the optimized model (default: NAME.opt.onnx beside the input).' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl run" threads' -l 'threads' -d 'Threads for every measurement (default: all cores).' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl run" runs' -l 'runs' -d 'Timed runs per latency measurement, after the warm-up.' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl run" warmup' -l 'warmup' -d 'Untimed warm-up runs before each latency measurement.' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl run" control-hz' -l 'control-hz' -d 'Control-loop rate: check that the optimized p99 fits one period.' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl run"' -l 'top1' -d 'An output holding class scores, scored by top-1 agreement (repeatable).' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl run" home' -l 'home' -d 'Home folder holding the optctl database.' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl run" user' -l 'user' -d 'Act as this user (default: $OPTCTL_USER, else the login name).' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl run" json' -l 'json' -d 'Print machine-readable JSON (docs/json.md).'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl run" q quiet' -s 'q' -l 'quiet' -d 'Print only what a script needs (ids), no messages.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl run" version' -l 'version' -d 'Show the version.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl run" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl techniques" home' -l 'home' -d 'Home folder holding the optctl database.' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl techniques" user' -l 'user' -d 'Act as this user (default: $OPTCTL_USER, else the login name).' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl techniques" json' -l 'json' -d 'Print machine-readable JSON (docs/json.md).'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl techniques" q quiet' -s 'q' -l 'quiet' -d 'Print only what a script needs (ids), no messages.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl techniques" version' -l 'version' -d 'Show the version.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl techniques" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl inspect" home' -l 'home' -d 'Home folder holding the optctl database.' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl inspect" user' -l 'user' -d 'Act as this user (default: $OPTCTL_USER, else the login name).' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl inspect" json' -l 'json' -d 'Print machine-readable JSON (docs/json.md).'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl inspect" q quiet' -s 'q' -l 'quiet' -d 'Print only what a script needs (ids), no messages.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl inspect" version' -l 'version' -d 'Show the version.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl inspect" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl bench" threads' -l 'threads' -d 'Threads (default: all cores).' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl bench" runs' -l 'runs' -d 'Timed runs.' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl bench" warmup' -l 'warmup' -d 'Untimed warm-up runs.' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl bench" inputs' -l 'inputs' -d 'Input data: a test_data_set folder, .npy or .npz (its first sample).' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl bench" home' -l 'home' -d 'Home folder holding the optctl database.' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl bench" user' -l 'user' -d 'Act as this user (default: $OPTCTL_USER, else the login name).' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl bench" json' -l 'json' -d 'Print machine-readable JSON (docs/json.md).'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl bench" q quiet' -s 'q' -l 'quiet' -d 'Print only what a script needs (ids), no messages.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl bench" version' -l 'version' -d 'Show the version.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl bench" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl check" rtol' -l 'rtol' -d 'Relative tolerance.' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl check" atol' -l 'atol' -d 'Absolute tolerance.' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl check" threads' -l 'threads' -d 'Threads (default: all cores).' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl check" home' -l 'home' -d 'Home folder holding the optctl database.' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl check" user' -l 'user' -d 'Act as this user (default: $OPTCTL_USER, else the login name).' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl check" json' -l 'json' -d 'Print machine-readable JSON (docs/json.md).'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl check" q quiet' -s 'q' -l 'quiet' -d 'Print only what a script needs (ids), no messages.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl check" version' -l 'version' -d 'Show the version.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl check" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl sessions" version' -l 'version' -d 'Show the version.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl sessions" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_positional "optctl sessions" -eq 1' -fa 'list' -d 'List sessions, newest first.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_positional "optctl sessions" -eq 1' -fa 'show' -d 'Show one session with its measured results and their provenance.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl sessions list" status' -l 'status' -d 'Only sessions with this status: pending, running, completed, failed, cancelled.' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl sessions list" model' -l 'model' -d 'Only sessions of this model id.' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl sessions list" since' -l 'since' -d 'Only sessions created at or after this date or time (ISO-8601, e.g. 2026-11-01).' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl sessions list" until' -l 'until' -d 'Only sessions created at or before this date or time (ISO-8601).' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl sessions list" skip' -l 'skip' -d 'Skip this many sessions (for paging; write --skip=N for negative N).' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl sessions list" limit' -l 'limit' -d 'Show at most this many sessions, 1 to 100 (default 50).' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl sessions list" home' -l 'home' -d 'Home folder holding the optctl database.' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl sessions list" user' -l 'user' -d 'Act as this user (default: $OPTCTL_USER, else the login name).' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl sessions list" json' -l 'json' -d 'Print machine-readable JSON (docs/json.md).'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl sessions list" q quiet' -s 'q' -l 'quiet' -d 'Print only what a script needs (ids), no messages.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl sessions list" version' -l 'version' -d 'Show the version.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl sessions list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl sessions show" home' -l 'home' -d 'Home folder holding the optctl database.' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl sessions show" user' -l 'user' -d 'Act as this user (default: $OPTCTL_USER, else the login name).' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl sessions show" json' -l 'json' -d 'Print machine-readable JSON (docs/json.md).'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl sessions show" q quiet' -s 'q' -l 'quiet' -d 'Print only what a script needs (ids), no messages.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl sessions show" version' -l 'version' -d 'Show the version.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl sessions show" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl config" version' -l 'version' -d 'Show the version.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl config" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_positional "optctl config" -eq 1' -fa 'get' -d 'Print the current optimization criteria as JSON (with its version).'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_positional "optctl config" -eq 1' -fa 'put' -d 'Replace the optimization criteria with a JSON document.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_positional "optctl config" -eq 1' -fa 'validate' -d 'Check a criteria JSON document against every rule without storing it.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl config get" home' -l 'home' -d 'Home folder holding the optctl database.' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl config get" user' -l 'user' -d 'Act as this user (default: $OPTCTL_USER, else the login name).' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl config get" json' -l 'json' -d 'Print machine-readable JSON (docs/json.md).'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl config get" q quiet' -s 'q' -l 'quiet' -d 'Print only what a script needs (ids), no messages.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl config get" version' -l 'version' -d 'Show the version.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl config get" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl config put" home' -l 'home' -d 'Home folder holding the optctl database.' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl config put" user' -l 'user' -d 'Act as this user (default: $OPTCTL_USER, else the login name).' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl config put" json' -l 'json' -d 'Print machine-readable JSON (docs/json.md).'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl config put" q quiet' -s 'q' -l 'quiet' -d 'Print only what a script needs (ids), no messages.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl config put" version' -l 'version' -d 'Show the version.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl config put" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl config validate" home' -l 'home' -d 'Home folder holding the optctl database.' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl config validate" user' -l 'user' -d 'Act as this user (default: $OPTCTL_USER, else the login name).' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl config validate" json' -l 'json' -d 'Print machine-readable JSON (docs/json.md).'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl config validate" q quiet' -s 'q' -l 'quiet' -d 'Print only what a script needs (ids), no messages.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl config validate" version' -l 'version' -d 'Show the version.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl config validate" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl models" version' -l 'version' -d 'Show the version.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl models" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_positional "optctl models" -eq 1' -fa 'add' -d 'Register an ONNX model file.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_positional "optctl models" -eq 1' -fa 'list' -d 'List registered models, newest first.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl models add" name' -l 'name' -d 'A display name (default: the file name).' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl models add" home' -l 'home' -d 'Home folder holding the optctl database.' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl models add" user' -l 'user' -d 'Act as this user (default: $OPTCTL_USER, else the login name).' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl models add" json' -l 'json' -d 'Print machine-readable JSON (docs/json.md).'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl models add" q quiet' -s 'q' -l 'quiet' -d 'Print only what a script needs (ids), no messages.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl models add" version' -l 'version' -d 'Show the version.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl models add" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl models list" home' -l 'home' -d 'Home folder holding the optctl database.' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl models list" user' -l 'user' -d 'Act as this user (default: $OPTCTL_USER, else the login name).' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl models list" json' -l 'json' -d 'Print machine-readable JSON (docs/json.md).'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl models list" q quiet' -s 'q' -l 'quiet' -d 'Print only what a script needs (ids), no messages.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl models list" version' -l 'version' -d 'Show the version.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl models list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl serve" host' -l 'host' -d 'Address to listen on (default 127.0.0.1, or $OPTCTL_HOST).' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl serve" port' -l 'port' -d 'Port to listen on; 0 picks a free one (default 8000, or $OPTCTL_PORT).' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl serve" profile' -l 'profile' -d 'dev, staging or prod (default dev, or $OPTCTL_PROFILE).' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl serve" home' -l 'home' -d 'Home folder holding the optctl database.' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl serve" user' -l 'user' -d 'Act as this user (default: $OPTCTL_USER, else the login name).' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl serve" json' -l 'json' -d 'Print machine-readable JSON (docs/json.md).'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl serve" q quiet' -s 'q' -l 'quiet' -d 'Print only what a script needs (ids), no messages.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl serve" version' -l 'version' -d 'Show the version.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl serve" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl users" version' -l 'version' -d 'Show the version.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl users" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_positional "optctl users" -eq 1' -fa 'add' -d 'Add a user who can sign in to optctl serve.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_positional "optctl users" -eq 1' -fa 'list' -d 'List the users of optctl serve, by name.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_positional "optctl users" -eq 1' -fa 'remove' -d 'Remove a user.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl users add" role' -l 'role' -d 'The user\'s role: admin, engineer or viewer.' -rfka 'admin engineer viewer'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl users add" password-stdin' -l 'password-stdin' -d 'Read the password from standard input (one line) instead of prompting.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl users add" home' -l 'home' -d 'Home folder holding the optctl database.' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl users add" user' -l 'user' -d 'Act as this user (default: $OPTCTL_USER, else the login name).' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl users add" json' -l 'json' -d 'Print machine-readable JSON (docs/json.md).'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl users add" q quiet' -s 'q' -l 'quiet' -d 'Print only what a script needs (ids), no messages.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl users add" version' -l 'version' -d 'Show the version.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl users add" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl users list" home' -l 'home' -d 'Home folder holding the optctl database.' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl users list" user' -l 'user' -d 'Act as this user (default: $OPTCTL_USER, else the login name).' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl users list" json' -l 'json' -d 'Print machine-readable JSON (docs/json.md).'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl users list" q quiet' -s 'q' -l 'quiet' -d 'Print only what a script needs (ids), no messages.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl users list" version' -l 'version' -d 'Show the version.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl users list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl users remove" home' -l 'home' -d 'Home folder holding the optctl database.' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl users remove" user' -l 'user' -d 'Act as this user (default: $OPTCTL_USER, else the login name).' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl users remove" json' -l 'json' -d 'Print machine-readable JSON (docs/json.md).'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl users remove" q quiet' -s 'q' -l 'quiet' -d 'Print only what a script needs (ids), no messages.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl users remove" version' -l 'version' -d 'Show the version.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl users remove" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl shell" home' -l 'home' -d 'Home folder holding the optctl database.' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl shell" user' -l 'user' -d 'Act as this user (default: $OPTCTL_USER, else the login name).' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl shell" json' -l 'json' -d 'Print machine-readable JSON (docs/json.md).'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl shell" q quiet' -s 'q' -l 'quiet' -d 'Print only what a script needs (ids), no messages.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl shell" version' -l 'version' -d 'Show the version.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl shell" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl help" version' -l 'version' -d 'Show the version.'
