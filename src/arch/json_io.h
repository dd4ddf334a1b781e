#pragma once
// Architectures as JSON, in the dictionary format of the authors' µNAS code, so that
// architectures move between the two tools:
//   {"conv_blocks":[{"is_branch":false,"layers":[{"type":"Conv2D","ker_size":3,"filters":8,
//     "2x_stride":false,"has_prepool":false,"has_bn":true,"has_relu":true}]}],
//    "pooling":{"type":"avg","pool_size":2} | null, "dense_blocks":[{"units":32}]}
// A 1x1 layer has no "ker_size" and no "2x_stride", a depthwise layer no "filters".
// Keys starting with "_" (the authors' bookkeeping) and a dense block's "activation":"relu" are
// accepted and ignored; any other unknown key, a wrong type or an out-of-bound value is an
// ArchitectureError naming the field.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "arch/architecture.h"

namespace unas::arch {

using Json = nlohmann::ordered_json;

Json to_json(const Architecture& arch);
Architecture architecture_from_json(const Json& json);

// Compact one-line JSON text.
std::string to_json_text(const Architecture& arch);

// Parses a JSON text holding one architecture object or an array of them.
std::vector<Architecture> parse_architectures(std::string_view text);

}  // namespace unas::arch
