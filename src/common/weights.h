#pragma once
// A trained network's parameters and batch-norm statistics as plain values: named float32
// tensors laid end to end in one buffer. This is how weights travel between ranks (MPI) and into
// the results file (HDF5) without either side knowing torch; the trainer converts to and from
// its modules (train/model_weights.h).
//
// Names are the layer graph's op names with the tensor's role: "b0.l1.conv.weight",
// "b0.l1.conv.bn.running_var", "b2.proj.bias", "dense0.weight", "classifier.bias".
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace unas {

struct TensorEntry {
  std::string name;
  std::vector<std::int64_t> shape;
  std::int64_t offset = 0;  // into Weights::values

  std::int64_t elements() const;
};

struct Weights {
  std::vector<TensorEntry> tensors;  // in storage order; offsets increase without gaps
  std::vector<float> values;

  bool empty() const { return tensors.empty(); }
  const TensorEntry* find(std::string_view name) const;
  const float* data(const TensorEntry& entry) const { return values.data() + entry.offset; }

  // Appends a tensor; returns where its values go (`elements` of them, uninitialised).
  float* add(std::string name, std::vector<std::int64_t> shape);

  // The names and shapes as compact JSON, [["b0.l0.conv.weight",[8,3,3,3]],...]: what, beside the
  // values, a message or a results file needs to rebuild the set.
  std::string manifest() const;
  // The inverse; throws WeightsError when the manifest is malformed or its shapes do not add up
  // to exactly `values.size()` elements.
  static Weights from_manifest(std::string_view manifest, std::vector<float> values);
};

class WeightsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace unas
