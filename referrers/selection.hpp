#pragma once
/// The referrers module's names for the artifact selection model, which lives in manifest/
/// (manifest/artifact_selection.hpp) so that plan/ can read it without depending on referrers/.
#include "manifest/artifact_selection.hpp"

namespace ferry::referrers {

using Category = manifest::ArtifactCategory;
using Selection = manifest::ArtifactSelection;
using manifest::category_of;
using manifest::to_string;

}  // namespace ferry::referrers
