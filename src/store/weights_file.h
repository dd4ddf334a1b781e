#pragma once
// A trained network's weights as a plain HDF5 file that any tool can write: one float32 dataset
// per tensor at the root, named as common/weights.h names them ("b0.l0.conv.weight",
// "b0.l0.conv.bn.running_var", "classifier.bias", ...) and shaped in torch's layouts
// (convolution [out][in][k][k], dense [out][in]). From PyTorch with h5py:
//   with h5py.File("w.h5", "w") as f: f.create_dataset("b0.l0.conv.weight", data=t.numpy()) ...
// This is how `unas export --arch ... --weights ...` takes a model trained outside a search.
#include <filesystem>

#include "common/weights.h"

namespace unas::store {

// Throws StoreError naming the file, or the dataset that is not a float tensor.
Weights read_weights_file(const std::filesystem::path& path);
void write_weights_file(const std::filesystem::path& path, const Weights& weights);

}  // namespace unas::store
