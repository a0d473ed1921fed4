#pragma once
/// What skopeo, crane and regctl users type that ferry does not take, with the ferry way.
/// The habits ferry accepts (copy --all, --preserve-digests, --tls-verify=false, --creds on
/// read-only verbs, list-tags) are flags and aliases of their verbs; this table answers the
/// rest, so "unknown command/flag" is never the whole message. README's "Coming from skopeo,
/// regsync or crane" table lists the same habits.
#include <optional>
#include <string>

namespace ferry::cli {

/// The answer to a verb ferry does not have ("ls", "delete", "tag", "digest", …), typed at
/// the root: one sentence naming the ferry command. None when `typed` is no known habit.
std::optional<std::string> foreign_command_answer(const std::string& typed);

/// The answer to a flag ferry does not take (`flag` without "=value", e.g. "--override-arch")
/// on the verb `verb_path` ("copy", "" for the root). None when it is no known habit.
std::optional<std::string> foreign_flag_answer(const std::string& verb_path, const std::string& flag);

}  // namespace ferry::cli
