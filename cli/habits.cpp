#include "cli/habits.hpp"

#include <array>
#include <string_view>

namespace ferry::cli {
namespace {

struct Habit {
    std::string_view typed;  ///< the command or flag as the other tool spells it
    std::string_view verbs;  ///< flags: the verbs it is answered on, space-separated ("" = any)
    std::string_view answer;
};

constexpr std::array kCommands{
    Habit{"ls", "", "crane ls is 'ferry tags HOST/REPO' (regctl repo ls: 'ferry catalog HOST')"},
    Habit{"delete", "",
          "ferry deletes no image by hand: tags a plan no longer writes are removed by 'prune: true' on its sync "
          "entry ('ferry plan -c PLAN' lists them first)"},
    Habit{"rm", "", "ferry deletes no image by hand: use 'prune: true' on a plan's sync entry"},
    Habit{"tag", "",
          "to give an image another tag: 'ferry copy HOST/REPO:TAG HOST/REPO:NEWTAG' (within one registry only "
          "the manifest is written); to list tags: 'ferry tags HOST/REPO'"},
    Habit{"digest", "", "the digest is what 'ferry inspect REF' prints first ('ferry inspect -o json REF': .digest)"},
    Habit{"pull", "", "to save an image to disk: 'ferry copy REF oci-archive:FILE.tar' (or oci:DIR)"},
    Habit{"push", "", "to push from disk: 'ferry copy oci-archive:FILE.tar HOST/REPO:TAG' (or oci:DIR)"},
    Habit{"config", "", "'ferry inspect --config [--platform P] REF' prints the image config"},
    Habit{"auth", "", "'ferry login HOST' and 'ferry logout HOST'"},
};

constexpr std::array kFlags{
    Habit{"--override-arch", "",
          "skopeo's --override-arch ARCH is '--platform linux/ARCH' with ferry (copy: that platform's image "
          "manifest; inspect: the platform to show)"},
    Habit{"--override-os", "", "skopeo's --override-os OS is '--platform OS/ARCH' with ferry"},
    Habit{"--override-variant", "", "skopeo's --override-variant V is '--platform OS/ARCH/V' with ferry"},
    Habit{"--multi-arch", "",
          "ferry copies every platform by default (skopeo's --multi-arch all); '--platform P' copies one "
          "platform's image manifest, several --platform a smaller index"},
    Habit{"--debug", "", "use '--log-level debug'"},
    Habit{"--insecure", "",
          "crane's --insecure is '--insecure-registry HOST' (plain HTTP) or '--tls-verify=false' (https without "
          "certificate verification) with ferry"},
    Habit{"--creds", "copy",
          "ferry copy takes credentials per side: '--src-creds USER[:PASSWORD]' and '--dest-creds USER[:PASSWORD]'"},
    Habit{"--creds", "",
          "'--creds USER[:PASSWORD]' is a flag of inspect, tags and catalog; copy takes --src-creds and "
          "--dest-creds, and a plan credentials under registries: (or 'ferry login HOST')"},
    Habit{"--username", "", "ferry takes '--creds USER[:PASSWORD]' (copy: --src-creds/--dest-creds), or 'ferry login HOST'"},
    Habit{"--password", "", "ferry takes '--creds USER[:PASSWORD]' (copy: --src-creds/--dest-creds), or 'ferry login HOST'"},
    Habit{"--src-tls-verify", "", "--src-tls-verify is a flag of copy; other verbs take '--tls-verify=false'"},
    Habit{"--dest-tls-verify", "", "--dest-tls-verify is a flag of copy; other verbs take '--tls-verify=false'"},
    Habit{"--all", "", "--all is a flag of copy (and its default: every platform)"},
    Habit{"--preserve-digests", "", "--preserve-digests is a flag of copy (and what ferry always does)"},
    Habit{"--format", "inspect", "ferry inspect prints text or JSON: '-o json' (then pick fields with jq)"},
    Habit{"--retry-times", "", "ferry retries by itself (5 attempts with backoff; 'retries:' per registry in a plan)"},
};

bool names_verb(std::string_view verbs, std::string_view verb) {
    if (verbs.empty()) return true;
    for (std::size_t start = 0; start <= verbs.size();) {
        const auto end = std::min(verbs.find(' ', start), verbs.size());
        if (verbs.substr(start, end - start) == verb) return true;
        start = end + 1;
    }
    return false;
}

}  // namespace

std::optional<std::string> foreign_command_answer(const std::string& typed) {
    for (const auto& h : kCommands)
        if (h.typed == typed) return std::string(h.answer);
    return std::nullopt;
}

std::optional<std::string> foreign_flag_answer(const std::string& verb_path, const std::string& flag) {
    for (const auto& h : kFlags)
        if (h.typed == flag && names_verb(h.verbs, verb_path)) return std::string(h.answer);
    return std::nullopt;
}

}  // namespace ferry::cli
