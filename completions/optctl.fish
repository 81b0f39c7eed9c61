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
        case 'inspect'
            __optctl_parse_subcommand 1 'home=' 'user=' 'json' 'q/quiet' 'version' 'h/help'
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
complete -c 'optctl' -n '__optctl_should_offer_completions_for_positional "optctl" -eq 1' -fa 'inspect' -d 'Show a model\'s interface, size and ops, and what the engine cannot run.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_positional "optctl" -eq 1' -fa 'sessions' -d 'List and inspect optimization sessions.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_positional "optctl" -eq 1' -fa 'config' -d 'Read, replace and check the optimization criteria.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_positional "optctl" -eq 1' -fa 'models' -d 'Register and list model files.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_positional "optctl" -eq 1' -fa 'shell' -d 'An interactive prompt over the same commands (history, tab completion).'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_positional "optctl" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl stats" home' -l 'home' -d 'Home folder holding the optctl database.' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl stats" user' -l 'user' -d 'Act as this user (default: $OPTCTL_USER, else the login name).' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl stats" json' -l 'json' -d 'Print machine-readable JSON (docs/json.md).'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl stats" q quiet' -s 'q' -l 'quiet' -d 'Print only what a script needs (ids), no messages.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl stats" version' -l 'version' -d 'Show the version.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl stats" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl inspect" home' -l 'home' -d 'Home folder holding the optctl database.' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl inspect" user' -l 'user' -d 'Act as this user (default: $OPTCTL_USER, else the login name).' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl inspect" json' -l 'json' -d 'Print machine-readable JSON (docs/json.md).'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl inspect" q quiet' -s 'q' -l 'quiet' -d 'Print only what a script needs (ids), no messages.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl inspect" version' -l 'version' -d 'Show the version.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl inspect" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl sessions" version' -l 'version' -d 'Show the version.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl sessions" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_positional "optctl sessions" -eq 1' -fa 'list' -d 'List sessions, newest first.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_positional "optctl sessions" -eq 1' -fa 'show' -d 'Show one session with its measured results.'
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
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl shell" home' -l 'home' -d 'Home folder holding the optctl database.' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl shell" user' -l 'user' -d 'Act as this user (default: $OPTCTL_USER, else the login name).' -rfka ''
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl shell" json' -l 'json' -d 'Print machine-readable JSON (docs/json.md).'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl shell" q quiet' -s 'q' -l 'quiet' -d 'Print only what a script needs (ids), no messages.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl shell" version' -l 'version' -d 'Show the version.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl shell" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'optctl' -n '__optctl_should_offer_completions_for_flags_or_options "optctl help" version' -l 'version' -d 'Show the version.'
