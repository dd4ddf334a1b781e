#include "store/hdf5_support.h"

#include <fmt/format.h>

namespace unas::store::hdf5 {

namespace fs = std::filesystem;

void silence_errors() {
  static const bool silenced = [] { return H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr) >= 0; }();
  (void)silenced;
}

namespace {

// Why the last HDF5 call failed when a system call failed under it: its error message ("No
// space left on device", "Read-only file system"); "" otherwise.
std::string failure_cause() {
  std::string cause;
  const auto innermost = [](unsigned n, const H5E_error2_t* e, void* out) -> herr_t {
    if (n == 0 && e->desc != nullptr) *static_cast<std::string*>(out) = e->desc;
    return 0;
  };
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost, &cause);
  const std::string marker = "error message = '";
  if (const auto at = cause.find(marker); at != std::string::npos) {
    const auto from = at + marker.size();
    return cause.substr(from, cause.find('\'', from) - from);
  }
  return "";
}

[[noreturn]] void fail(const fs::path& path, const char* what) {
  const std::string cause = failure_cause();
  throw StoreError(fmt::format("{}: {}{}", path.string(), what, cause.empty() ? "" : " (" + cause + ")"));
}

}  // namespace

Hid checked(hid_t id, herr_t (*close)(hid_t), const fs::path& path, const char* what) {
  if (id < 0) fail(path, what);
  return Hid(id, close);
}

void check(herr_t status, const fs::path& path, const char* what) {
  if (status < 0) fail(path, what);
}

Hid string_type(std::size_t bytes) {
  Hid t(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(t.get(), bytes);
  H5Tset_strpad(t.get(), H5T_STR_NULLTERM);
  return t;
}

Hid create_table(hid_t file, const char* name, hid_t type, hsize_t chunk_rows, Compression compression,
                 const fs::path& path) {
  const hsize_t dims = 0, max_dims = H5S_UNLIMITED;
  const Hid space(H5Screate_simple(1, &dims, &max_dims), H5Sclose);
  const Hid dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  H5Pset_chunk(dcpl.get(), 1, &chunk_rows);
  if (compression == Compression::kFloats) H5Pset_shuffle(dcpl.get());
  H5Pset_deflate(dcpl.get(), compression == Compression::kFloats ? 1 : 4);
  return checked(H5Dcreate2(file, name, type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT), H5Dclose, path,
                 "cannot create a table");
}

Hid open_table(hid_t file, const char* name, const fs::path& path) {
  return checked(H5Dopen2(file, name, H5P_DEFAULT), H5Dclose, path, "not a unas results file (tables missing)");
}

hsize_t rows_of(hid_t dataset) {
  const Hid space(H5Dget_space(dataset), H5Sclose);
  hsize_t rows = 0;
  H5Sget_simple_extent_dims(space.get(), &rows, nullptr);
  return rows;
}

void append(hid_t dataset, hid_t type, const void* data, hsize_t count, const fs::path& path) {
  const hsize_t rows = rows_of(dataset), grown = rows + count;
  check(H5Dset_extent(dataset, &grown), path, "cannot grow a table");
  const Hid file_space(H5Dget_space(dataset), H5Sclose);
  H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &rows, nullptr, &count, nullptr);
  const Hid memory_space(H5Screate_simple(1, &count, nullptr), H5Sclose);
  check(H5Dwrite(dataset, type, memory_space.get(), file_space.get(), H5P_DEFAULT, data), path, "cannot write a row");
  check(H5Dflush(dataset), path, "cannot flush a row");
}

void read(hid_t dataset, hid_t type, void* data, hsize_t first, hsize_t count, const fs::path& path) {
  const Hid file_space(H5Dget_space(dataset), H5Sclose);
  check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &first, nullptr, &count, nullptr), path,
        "cannot read a table");
  const Hid memory_space(H5Screate_simple(1, &count, nullptr), H5Sclose);
  check(H5Dread(dataset, type, memory_space.get(), file_space.get(), H5P_DEFAULT, data), path, "cannot read a table");
}

}  // namespace unas::store::hdf5
