#include "cli/command_line.hpp"

#include <fmt/format.h>

#include <sstream>

#include "cli/habits.hpp"
#include "cli/suggest.hpp"

namespace ferry::cli {
namespace {

std::vector<const CLI::App*> subcommands_of(const CLI::App& app) {
    return app.get_subcommands([](const CLI::App* sub) { return !sub->get_name().empty(); });
}

const CLI::App* find_subcommand(const CLI::App& app, const std::string& name) {
    for (const auto* sub : subcommands_of(app))
        if (sub->check_name(name)) return sub;
    return nullptr;
}

std::vector<std::string> subcommand_names(const CLI::App& app) {
    std::vector<std::string> names;
    for (const auto* sub : subcommands_of(app)) names.push_back(sub->get_name());
    return names;
}

/// "--name" and "-n" spellings of every flag of `app` and of the parents it falls through to.
std::vector<std::string> flag_names(const CLI::App* app) {
    std::vector<std::string> names;
    for (; app != nullptr; app = app->get_parent())
        for (const auto* opt : app->get_options()) {
            for (const auto& l : opt->get_lnames()) names.push_back("--" + l);
            for (const auto& s : opt->get_snames()) names.push_back("-" + s);
        }
    return names;
}

/// The option a flag token names, searched from the verb up through its parents; a short
/// flag with its value attached ("-j4") is found by its first two characters.
const CLI::Option* find_flag(const CLI::App* app, const std::string& token, bool& value_attached) {
    const std::string name = token.substr(0, token.find('='));
    value_attached = name.size() != token.size();
    for (const CLI::App* a = app; a != nullptr; a = a->get_parent()) {
        if (const auto* opt = a->get_option_no_throw(name)) return opt;
        if (!token.starts_with("--") && token.size() > 2)
            if (const auto* opt = a->get_option_no_throw(token.substr(0, 2))) {
                value_attached = true;
                return opt;
            }
    }
    return nullptr;
}

std::string did_you_mean(const std::string& typed, const std::vector<std::string>& candidates) {
    auto best = closest(typed, candidates);
    return best ? fmt::format(" (did you mean '{}'?)", *best) : "";
}

std::string verb_path(const std::vector<std::string>& path) {
    std::string out;
    for (const auto& p : path) out += (out.empty() ? "" : " ") + p;
    return out;
}

/// What follows "unknown flag 'X'": the ferry way for another tool's habit, else "did you mean".
std::string flag_hint(const CLI::App* where, const std::string& verb, const std::string& flag) {
    if (auto answer = foreign_flag_answer(verb, flag)) return ": " + *answer;
    return did_you_mean(flag, flag_names(where));
}

core::Error unknown_command(const CLI::App& where, const std::vector<std::string>& path, const std::string& typed) {
    const std::string prefix = path.empty() ? "" : verb_path(path) + " ";
    const std::string help = path.empty() ? "ferry help" : "ferry help " + verb_path(path);
    if (path.empty())
        if (auto answer = foreign_command_answer(typed))
            return core::make_error(core::ErrorKind::Config,
                                    fmt::format("unknown command '{}': {}\nRun '{}' for the list of commands.", typed,
                                                *answer, help));
    return core::make_error(core::ErrorKind::Config,
                            fmt::format("unknown command '{}{}'{}\nRun '{}' for the list of commands.", prefix, typed,
                                        did_you_mean(typed, subcommand_names(where)), help));
}

/// The verb the parser chose last (the root when it chose none).
const CLI::App* deepest_parsed(const CLI::App& app) {
    const CLI::App* current = &app;
    for (bool descended = true; descended;) {
        descended = false;
        for (const auto* sub : subcommands_of(*current))
            if (sub->parsed()) current = sub, descended = true;
    }
    return current;
}

}  // namespace

core::Result<std::vector<std::string>> prepare_arguments(const CLI::App& app, std::vector<std::string> args) {
    const CLI::App* current = &app;
    std::vector<std::string> path;
    std::size_t verb_index = 0;
    for (std::size_t i = 1; i < args.size(); ++i) {
        const std::string& token = args[i];
        if (token == "--") break;
        if (token.size() > 1 && token[0] == '-') {
            bool attached = false;
            const CLI::Option* opt = find_flag(current, token, attached);
            if (opt == nullptr && current == &app)
                return core::fail(core::ErrorKind::Config,
                                  fmt::format("unknown flag '{}'{}\nRun 'ferry help' for usage.", token,
                                              flag_hint(&app, "", token.substr(0, token.find('=')))));
            if (opt != nullptr && !attached && opt->get_expected_min() > 0) ++i;  // its value
            continue;
        }
        if (path == std::vector<std::string>{"plan"} && token == "convert") {  // the verb "plan-convert"
            args[verb_index] = "plan-convert";
            args.erase(args.begin() + static_cast<long>(i));
            return prepare_arguments(app, std::move(args));
        }
        if (subcommands_of(*current).empty()) continue;  // a positional of the verb
        if (current == &app && token == "help" && path.empty()) {
            std::vector<std::string> rewritten{args[0]};
            rewritten.insert(rewritten.end(), args.begin() + static_cast<long>(i) + 1, args.end());
            rewritten.push_back("--help");
            return prepare_arguments(app, std::move(rewritten));
        }
        const CLI::App* sub = find_subcommand(*current, token);
        if (sub == nullptr) return std::unexpected(unknown_command(*current, path, token));
        if (path.empty()) verb_index = i;
        path.push_back(sub->get_name());
        current = sub;
    }
    return args;
}

std::string chosen_verb_path(const CLI::App& app) {
    std::vector<std::string> path;
    for (const CLI::App* a = deepest_parsed(app); a != &app; a = a->get_parent()) path.insert(path.begin(), a->get_name());
    return verb_path(path);
}

std::string describe_parse_error(const CLI::App& app, const CLI::ParseError& error) {
    const std::string verb = chosen_verb_path(app);
    const CLI::App* current = deepest_parsed(app);
    std::string message = error.what();
    if (dynamic_cast<const CLI::ExtrasError*>(&error) != nullptr) {
        // "The following arguments were not expected: b --platfrom": name the flag first.
        std::istringstream extras(message.substr(message.find(": ") + 2));
        std::string first, flag;
        for (std::string item; extras >> item;) {
            if (first.empty()) first = item;
            if (flag.empty() && item.size() > 1 && item[0] == '-') flag = item.substr(0, item.find('='));
        }
        if (!flag.empty()) message = fmt::format("unknown flag '{}'{}", flag, flag_hint(current, verb, flag));
        else if (!first.empty()) message = fmt::format("unexpected argument '{}'", first);
    }
    const std::string who = verb.empty() ? "ferry" : "ferry " + verb;
    return fmt::format("{}: {}\nRun '{}' for usage.", who, message,
                       verb.empty() ? std::string("ferry help") : "ferry help " + verb);
}

}  // namespace ferry::cli
