#pragma once
// A morphism as one line of JSON, for the results file and for messages to trainers:
//   {"kind":"change_filters","block":0,"layer":1,"delta":3}
// Fields a kind does not use are left out ("new_type" only for change_layer_type).
#include <string>
#include <string_view>

#include "arch/morphism.h"

namespace unas::arch {

std::string_view to_string(MorphismKind kind);
std::string to_json_text(const Morphism& morphism);
// Throws ArchitectureError for malformed text or an unknown kind.
Morphism morphism_from_json_text(std::string_view text);

}  // namespace unas::arch
