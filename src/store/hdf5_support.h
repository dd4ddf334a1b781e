#pragma once
// The few HDF5 C-API idioms the results file is built from: identifiers closed by scope,
// errors as StoreError naming the file, fixed-length string fields, and append-only tables
// (1-D chunked datasets of a compound row type, grown one row at a time and flushed).
#include <hdf5.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "store/store_error.h"

namespace unas::store::hdf5 {

// An HDF5 identifier closed by the right function when it goes out of scope.
class Hid {
 public:
  Hid() = default;
  Hid(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  Hid(Hid&& o) noexcept : id_(std::exchange(o.id_, H5I_INVALID_HID)), close_(o.close_) {}
  Hid& operator=(Hid&& o) noexcept {
    std::swap(id_, o.id_);
    std::swap(close_, o.close_);
    return *this;
  }
  ~Hid() {
    if (id_ >= 0 && close_) close_(id_);
  }
  hid_t get() const { return id_; }

 private:
  hid_t id_ = H5I_INVALID_HID;
  herr_t (*close_)(hid_t) = nullptr;
};

// HDF5 prints its error stacks to stderr by default; unas reports its own one-line errors.
void silence_errors();

Hid checked(hid_t id, herr_t (*close)(hid_t), const std::filesystem::path& path, const char* what);
void check(herr_t status, const std::filesystem::path& path, const char* what);

// A fixed-length, NUL-terminated string of `bytes` (h5py gives bytes: .decode()).
Hid string_type(std::size_t bytes);

// How a table's chunks are compressed: rows of fixed-length strings, mostly padding, shrink
// well with deflate; float32 weights little (to 86 % with byte shuffling first, measured by
// bench/weights_io_bench), so they get the fastest level.
enum class Compression { kRows, kFloats };

// An empty table (1-D, unlimited) named `name` of rows of `type`, in chunks of `chunk_rows` rows.
Hid create_table(hid_t file, const char* name, hid_t type, hsize_t chunk_rows, Compression compression,
                 const std::filesystem::path& path);
Hid open_table(hid_t file, const char* name, const std::filesystem::path& path);
hsize_t rows_of(hid_t dataset);

// Appends `count` elements of `type` (a row, or a run of floats), flushed before it returns.
void append(hid_t dataset, hid_t type, const void* data, hsize_t count, const std::filesystem::path& path);
// Reads `count` elements from `first` on.
void read(hid_t dataset, hid_t type, void* data, hsize_t first, hsize_t count, const std::filesystem::path& path);

template <typename Row>
std::vector<Row> read_rows(hid_t file, const char* name, hid_t type, const std::filesystem::path& path) {
  const Hid dataset = open_table(file, name, path);
  std::vector<Row> out(rows_of(dataset.get()));
  if (!out.empty()) read(dataset.get(), type, out.data(), 0, out.size(), path);
  return out;
}

template <std::size_t N>
void put(char (&field)[N], const std::string& value, const char* name) {
  if (value.size() >= N)
    throw StoreError(std::string(name) + ": " + std::to_string(value.size()) + " bytes, the field holds at most " +
                     std::to_string(N - 1));
  std::memset(field, 0, N);
  std::memcpy(field, value.data(), value.size());
}

template <std::size_t N>
std::string get(const char (&field)[N]) {
  return std::string(field, strnlen(field, N));
}

#define UNAS_FIELD(type, row, field, h5type) H5Tinsert(type, #field, HOFFSET(row, field), h5type)

}  // namespace unas::store::hdf5
