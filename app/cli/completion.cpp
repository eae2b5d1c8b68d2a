// jetdeck-cli completion bash: a bash completion script made from the command table and each
// command's own options, so it cannot drift from what the CLI accepts.
#include "app/cli/clicommon.h"
#include "core/logging/logging.h"

#include <QRegularExpression>

namespace jetdeck::cli {

namespace {

/// Long option names (with their dashes) from a parser's help text.
QStringList optionsOf(const QCommandLineParser& p) {
    QStringList out;
    static const QRegularExpression re(QStringLiteral("^\\s+(?:-\\w, )?(--[\\w-]+)"));
    for (const QString& line : p.helpText().split(QLatin1Char('\n'))) {
        const auto m = re.match(line);
        if (m.hasMatch() && !out.contains(m.captured(1)) &&
            m.captured(1) != QLatin1String("--help-all"))
            out << m.captured(1);
    }
    return out;
}

/// The words a command takes first ("stream ls|info|add..." -> ls info add ...).
QStringList subWords(const char* args) {
    QStringList out;
    for (const QString& alt : QString::fromLatin1(args).split(QStringLiteral(" | "))) {
        const QString first = alt.trimmed().section(QLatin1Char(' '), 0, 0);
        for (const QString& w : first.split(QLatin1Char('|')))
            if (!w.isEmpty() && w == w.toLower() && !w.startsWith(QLatin1Char('[')))
                out << w;
    }
    return out;
}

QString bashScript() {
    QStringList names;
    QString cases;
    QString subCases;
    QCommandLineParser global;
    addGlobalOptions(global);
    const QStringList globalOpts = optionsOf(global);
    for (const Command& c : allCommands()) {
        names << QLatin1String(c.name);
        QCommandLineParser p;
        c.addOptions(p);
        QStringList own;
        for (const QString& o : optionsOf(p))
            if (!globalOpts.contains(o))
                own << o;
        cases += QStringLiteral("        %1) opts=\"%2\" ;;\n")
                     .arg(QLatin1String(c.name), own.join(QLatin1Char(' ')));
        const QStringList words = subWords(c.args);
        if (!words.isEmpty())
            subCases += QStringLiteral("        %1) subs=\"%2\" ;;\n")
                            .arg(QLatin1String(c.name), words.join(QLatin1Char(' ')));
    }
    QStringList valueOpts;
    for (const QString& o : globalValueOptions())
        if (o.size() > 1)
            valueOpts << QStringLiteral("--") + o;
    QString s = QString::fromUtf8(
        R"BASH(# bash completion for jetdeck-cli; made by `jetdeck-cli completion bash`.
_jetdeck_cli()
{
    local cur prev cmd sub i w opts subs
    cur="${COMP_WORDS[COMP_CWORD]}"
    prev="${COMP_WORDS[COMP_CWORD-1]}"
    local commands="@COMMANDS@"
    local global="@GLOBAL@"
    # The command is the first word that is not an option or an option's value.
    cmd=""
    sub=""
    i=1
    while [ $i -lt $COMP_CWORD ]; do
        w="${COMP_WORDS[i]}"
        case "$w" in
            @VALUEOPTS@|-s) i=$((i + 2)); continue ;;
            -*) ;;
            *) if [ -z "$cmd" ]; then cmd="$w"; elif [ -z "$sub" ]; then sub="$w"; fi ;;
        esac
        i=$((i + 1))
    done
    case "$prev" in
        --log-level) COMPREPLY=($(compgen -W "debug info warning error" -- "$cur")); return ;;
        --creds|--nkey|--tlsca|--tlscert|--tlskey|--report) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --context)
            local dir="${XDG_CONFIG_HOME:-$HOME/.config}/nats/context"
            COMPREPLY=($(compgen -W "$(ls "$dir" 2>/dev/null | sed -n 's/\.json$//p')" -- "$cur"))
            return ;;
        --storage) COMPREPLY=($(compgen -W "file memory" -- "$cur")); return ;;
        --retention) COMPREPLY=($(compgen -W "limits interest workqueue" -- "$cur")); return ;;
        --discard) COMPREPLY=($(compgen -W "old new" -- "$cur")); return ;;
        --ack) COMPREPLY=($(compgen -W "explicit all none" -- "$cur")); return ;;
        --deliver) COMPREPLY=($(compgen -W "all last new last_per_subject by_start_sequence by_start_time" -- "$cur")); return ;;
        --probe) COMPREPLY=($(compgen -W "ping_rtt request publish_ack" -- "$cur")); return ;;
        --window) COMPREPLY=($(compgen -W "10s 1m 5m" -- "$cur")); return ;;
    esac
    if [ -z "$cmd" ]; then
        if [[ "$cur" == -* ]]; then
            COMPREPLY=($(compgen -W "$global --version --help" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$commands" -- "$cur"))
        fi
        return
    fi
    opts=""
    subs=""
    case "$cmd" in
@CASES@    esac
    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "$opts $global" -- "$cur"))
        return
    fi
    case "$cmd" in
@SUBCASES@    esac
    if [ -n "$subs" ] && [ -z "$sub" ]; then
        COMPREPLY=($(compgen -W "$subs" -- "$cur"))
        return
    fi
    if [ "$cmd" = scenario ] && { [ "$sub" = run ] || [ "$sub" = check ]; }; then
        local builtin
        builtin="$(jetdeck-cli scenario list --json 2>/dev/null | grep -o '"name":"[^"]*"' | cut -d'"' -f4)"
        COMPREPLY=($(compgen -W "$builtin" -- "$cur") $(compgen -f -X '!*.json' -- "$cur") $(compgen -d -- "$cur"))
        return
    fi
}
complete -F _jetdeck_cli jetdeck-cli
)BASH");
    s.replace(QStringLiteral("@COMMANDS@"), names.join(QLatin1Char(' ')));
    s.replace(QStringLiteral("@GLOBAL@"), globalOpts.join(QLatin1Char(' ')));
    s.replace(QStringLiteral("@VALUEOPTS@"), valueOpts.join(QLatin1Char('|')));
    s.replace(QStringLiteral("@CASES@"), cases);
    s.replace(QStringLiteral("@SUBCASES@"), subCases);
    return s;
}

void completionOptions(QCommandLineParser&) {}

int cmdCompletion(const QCommandLineParser& p, const Resolved&, bool) {
    QStringList args = p.positionalArguments();
    if (!args.isEmpty() && args.first() == QLatin1String("completion"))
        args.removeFirst();
    if (args != QStringList{QStringLiteral("bash")})
        return fail(QStringLiteral("usage: jetdeck-cli completion bash"), kExitUsage);
    std::fputs(bashScript().toUtf8().constData(), stdout);
    return kExitOk;
}

} // namespace

QList<Command> completionCommands() {
    return {
        {"completion", "bash",
         "Print the bash completion script (installed by the package; or: source <(jetdeck-cli "
         "completion bash))",
         completionOptions, cmdCompletion},
    };
}

} // namespace jetdeck::cli
