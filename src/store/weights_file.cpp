#include "store/weights_file.h"

#include <fmt/format.h>

#include "store/hdf5_support.h"

namespace unas::store {

namespace fs = std::filesystem;
using hdf5::checked;
using hdf5::Hid;

namespace {

// Only collects names: an exception must not cross HDF5's C frames.
herr_t collect_name(hid_t, const char* name, const H5L_info_t*, void* names) {
  static_cast<std::vector<std::string>*>(names)->push_back(name);
  return 0;
}

void read_tensor(hid_t root, const std::string& name, const fs::path& path, Weights& weights) {
  const Hid dataset = checked(H5Dopen2(root, name.c_str(), H5P_DEFAULT), H5Dclose, path, "cannot open a dataset");
  const Hid type = checked(H5Dget_type(dataset.get()), H5Tclose, path, "cannot read a dataset's type");
  if (H5Tget_class(type.get()) != H5T_FLOAT)
    throw StoreError(fmt::format("{}: dataset \"{}\" is not a float tensor", path.string(), name));
  const Hid space = checked(H5Dget_space(dataset.get()), H5Sclose, path, "cannot read a dataset's shape");
  std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(H5Sget_simple_extent_ndims(space.get()), 0)));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  float* values = weights.add(name, std::vector<std::int64_t>(dims.begin(), dims.end()));
  hdf5::check(H5Dread(dataset.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values), path,
              "cannot read a tensor's values");
}

}  // namespace

Weights read_weights_file(const fs::path& path) {
  hdf5::silence_errors();
  if (!fs::exists(path)) throw StoreError(fmt::format("{}: no such weights file", path.string()));
  const Hid file = checked(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, path, "not an HDF5 weights file");
  std::vector<std::string> names;
  hdf5::check(H5Literate(file.get(), H5_INDEX_NAME, H5_ITER_INC, nullptr, collect_name, &names), path,
              "cannot list the tensors");
  Weights weights;
  for (const std::string& name : names) read_tensor(file.get(), name, path, weights);
  if (weights.empty()) throw StoreError(fmt::format("{}: holds no tensors", path.string()));
  return weights;
}

void write_weights_file(const fs::path& path, const Weights& weights) {
  hdf5::silence_errors();
  const Hid file = checked(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose, path,
                           "cannot create the weights file");
  for (const TensorEntry& t : weights.tensors) {
    const std::vector<hsize_t> dims(t.shape.begin(), t.shape.end());
    const Hid space = checked(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose, path,
                              "cannot describe a tensor");
    const Hid dataset = checked(H5Dcreate2(file.get(), t.name.c_str(), H5T_IEEE_F32LE, space.get(), H5P_DEFAULT,
                                           H5P_DEFAULT, H5P_DEFAULT),
                                H5Dclose, path, "cannot create a tensor");
    hdf5::check(H5Dwrite(dataset.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, weights.data(t)), path,
                "cannot write a tensor");
  }
}

}  // namespace unas::store
