#include "store/results_file.h"

#include <fmt/format.h>
#include <hdf5.h>

#include <cstring>
#include <type_traits>
#include <utility>

namespace unas::store {

namespace {

namespace fs = std::filesystem;

// Fixed field sizes. The longest architecture of the search space is ~3.8 KB of JSON.
constexpr std::size_t kArchitectureBytes = 8192;
constexpr std::size_t kFailureBytes = 512;
constexpr std::size_t kCurveBytes = 4096;
constexpr std::size_t kPrunedBytes = 4096;
constexpr std::size_t kOutcomeBytes = 8;
constexpr hsize_t kChunkRows = 16;

struct ProposalRow {
  std::int64_t id, parent_id;
  char architecture[kArchitectureBytes];
  double sparsity;
  std::uint64_t seed;
  double issued_at;
};

struct CandidateRow {
  std::int64_t id, parent_id;
  std::int32_t rank;
  char outcome[kOutcomeBytes];
  char failure[kFailureBytes];
  char architecture[kArchitectureBytes];
  double sparsity;
  std::uint64_t seed;
  double val_error, test_error;
  std::int64_t pmu, model_size, macs, pmu_pruned, model_size_pruned, macs_pruned;
  char val_curve[kCurveBytes];
  char pruned_layers[kPrunedBytes];
  double train_seconds, issued_at, finished_at;
};

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
  bool valid() const { return id_ >= 0; }

 private:
  hid_t id_ = H5I_INVALID_HID;
  herr_t (*close_)(hid_t) = nullptr;
};

// HDF5 prints its error stacks to stderr by default; unas reports its own one-line errors.
void silence_hdf5() {
  static const bool silenced = [] { return H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr) >= 0; }();
  (void)silenced;
}

Hid checked(hid_t id, herr_t (*close)(hid_t), const fs::path& path, const char* what) {
  if (id < 0) throw StoreError(fmt::format("{}: {}", path.string(), what));
  return Hid(id, close);
}

void check(herr_t status, const fs::path& path, const char* what) {
  if (status < 0) throw StoreError(fmt::format("{}: {}", path.string(), what));
}

Hid string_type(std::size_t bytes) {
  Hid t(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(t.get(), bytes);
  H5Tset_strpad(t.get(), H5T_STR_NULLTERM);
  return t;
}

#define UNAS_FIELD(type, row, field, h5type) H5Tinsert(type, #field, HOFFSET(row, field), h5type)

Hid proposal_type() {
  Hid t(H5Tcreate(H5T_COMPOUND, sizeof(ProposalRow)), H5Tclose);
  const Hid arch = string_type(kArchitectureBytes);
  UNAS_FIELD(t.get(), ProposalRow, id, H5T_NATIVE_INT64);
  UNAS_FIELD(t.get(), ProposalRow, parent_id, H5T_NATIVE_INT64);
  UNAS_FIELD(t.get(), ProposalRow, architecture, arch.get());
  UNAS_FIELD(t.get(), ProposalRow, sparsity, H5T_NATIVE_DOUBLE);
  UNAS_FIELD(t.get(), ProposalRow, seed, H5T_NATIVE_UINT64);
  UNAS_FIELD(t.get(), ProposalRow, issued_at, H5T_NATIVE_DOUBLE);
  return t;
}

Hid candidate_type() {
  Hid t(H5Tcreate(H5T_COMPOUND, sizeof(CandidateRow)), H5Tclose);
  const Hid outcome = string_type(kOutcomeBytes), failure = string_type(kFailureBytes),
            arch = string_type(kArchitectureBytes), curve = string_type(kCurveBytes), pruned = string_type(kPrunedBytes);
  UNAS_FIELD(t.get(), CandidateRow, id, H5T_NATIVE_INT64);
  UNAS_FIELD(t.get(), CandidateRow, parent_id, H5T_NATIVE_INT64);
  UNAS_FIELD(t.get(), CandidateRow, rank, H5T_NATIVE_INT32);
  UNAS_FIELD(t.get(), CandidateRow, outcome, outcome.get());
  UNAS_FIELD(t.get(), CandidateRow, failure, failure.get());
  UNAS_FIELD(t.get(), CandidateRow, architecture, arch.get());
  UNAS_FIELD(t.get(), CandidateRow, sparsity, H5T_NATIVE_DOUBLE);
  UNAS_FIELD(t.get(), CandidateRow, seed, H5T_NATIVE_UINT64);
  UNAS_FIELD(t.get(), CandidateRow, val_error, H5T_NATIVE_DOUBLE);
  UNAS_FIELD(t.get(), CandidateRow, test_error, H5T_NATIVE_DOUBLE);
  UNAS_FIELD(t.get(), CandidateRow, pmu, H5T_NATIVE_INT64);
  UNAS_FIELD(t.get(), CandidateRow, model_size, H5T_NATIVE_INT64);
  UNAS_FIELD(t.get(), CandidateRow, macs, H5T_NATIVE_INT64);
  UNAS_FIELD(t.get(), CandidateRow, pmu_pruned, H5T_NATIVE_INT64);
  UNAS_FIELD(t.get(), CandidateRow, model_size_pruned, H5T_NATIVE_INT64);
  UNAS_FIELD(t.get(), CandidateRow, macs_pruned, H5T_NATIVE_INT64);
  UNAS_FIELD(t.get(), CandidateRow, val_curve, curve.get());
  UNAS_FIELD(t.get(), CandidateRow, pruned_layers, pruned.get());
  UNAS_FIELD(t.get(), CandidateRow, train_seconds, H5T_NATIVE_DOUBLE);
  UNAS_FIELD(t.get(), CandidateRow, issued_at, H5T_NATIVE_DOUBLE);
  UNAS_FIELD(t.get(), CandidateRow, finished_at, H5T_NATIVE_DOUBLE);
  return t;
}

#undef UNAS_FIELD

template <std::size_t N>
void put(char (&field)[N], const std::string& value, const char* name) {
  if (value.size() >= N) throw StoreError(fmt::format("{}: {} bytes, the field holds at most {}", name, value.size(), N - 1));
  std::memset(field, 0, N);
  std::memcpy(field, value.data(), value.size());
}

template <std::size_t N>
std::string get(const char (&field)[N]) {
  return std::string(field, strnlen(field, N));
}

Hid file_access() {
  Hid fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);  // SWMR needs the latest format
  return fapl;
}

// Variable-length UTF-8, so that h5py gives str, not bytes.
Hid text_type() {
  Hid t(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(t.get(), H5T_VARIABLE);
  H5Tset_cset(t.get(), H5T_CSET_UTF8);
  return t;
}

void write_attribute(hid_t file, const char* name, const std::string& value) {
  const Hid type = text_type();
  const Hid space(H5Screate(H5S_SCALAR), H5Sclose);
  const Hid attr(H5Acreate2(file, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  const char* text = value.c_str();
  H5Awrite(attr.get(), type.get(), &text);
}

template <typename T>
void write_attribute(hid_t file, const char* name, T value, hid_t type) {
  const Hid space(H5Screate(H5S_SCALAR), H5Sclose);
  const Hid attr(H5Acreate2(file, name, type, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  H5Awrite(attr.get(), type, &value);
}

std::string read_string_attribute(hid_t file, const char* name, const fs::path& path) {
  const Hid attr = checked(H5Aopen(file, name, H5P_DEFAULT), H5Aclose, path, "not a unas results file (attributes missing)");
  const Hid type = text_type();
  char* text = nullptr;
  check(H5Aread(attr.get(), type.get(), &text), path, "not a unas results file (unreadable attribute)");
  std::string value = text != nullptr ? text : "";
  H5free_memory(text);
  return value;
}

template <typename T>
T read_attribute(hid_t file, const char* name, hid_t type, const fs::path& path) {
  const Hid attr = checked(H5Aopen(file, name, H5P_DEFAULT), H5Aclose, path, "not a unas results file (attributes missing)");
  T value{};
  H5Aread(attr.get(), type, &value);
  return value;
}

Hid create_table(hid_t file, const char* name, hid_t type, const fs::path& path) {
  const hsize_t dims = 0, max_dims = H5S_UNLIMITED;
  const Hid space(H5Screate_simple(1, &dims, &max_dims), H5Sclose);
  const Hid dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  H5Pset_chunk(dcpl.get(), 1, &kChunkRows);
  H5Pset_deflate(dcpl.get(), 4);  // fixed-length strings are mostly padding
  return checked(H5Dcreate2(file, name, type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT), H5Dclose, path,
                 "cannot create a table");
}

template <typename Row>
void append_row(hid_t dataset, hid_t type, const Row& row, const fs::path& path) {
  const Hid space(H5Dget_space(dataset), H5Sclose);
  hsize_t rows = 0;
  H5Sget_simple_extent_dims(space.get(), &rows, nullptr);
  const hsize_t grown = rows + 1, one = 1;
  check(H5Dset_extent(dataset, &grown), path, "cannot grow a table");
  const Hid file_space(H5Dget_space(dataset), H5Sclose);
  H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &rows, nullptr, &one, nullptr);
  const Hid memory_space(H5Screate_simple(1, &one, nullptr), H5Sclose);
  check(H5Dwrite(dataset, type, memory_space.get(), file_space.get(), H5P_DEFAULT, &row), path, "cannot write a row");
  check(H5Dflush(dataset), path, "cannot flush a row");
}

template <typename Row>
std::vector<Row> read_rows(hid_t file, const char* name, hid_t type, const fs::path& path) {
  const Hid dataset = checked(H5Dopen2(file, name, H5P_DEFAULT), H5Dclose, path, "not a unas results file (tables missing)");
  const Hid space(H5Dget_space(dataset.get()), H5Sclose);
  hsize_t rows = 0;
  H5Sget_simple_extent_dims(space.get(), &rows, nullptr);
  std::vector<Row> out(rows);
  if (rows > 0) check(H5Dread(dataset.get(), type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()), path, "cannot read a table");
  return out;
}

// What h5clear -s --increment=0 does: a writer that died leaves the "open for writing" flag set
// and the end-of-allocation short of the data it flushed. HDF5 exposes the fix through two
// file-access properties that h5clear itself sets.
void recover_after_crash(const fs::path& path) {
  const Hid fapl = file_access();
  hbool_t yes = true;
  if (H5Pset(fapl.get(), "clear_status_flags", &yes) < 0 || H5Pset(fapl.get(), "skip_eof_check", &yes) < 0) return;
  const Hid file = checked(H5Fopen(path.c_str(), H5F_ACC_RDWR, fapl.get()), H5Fclose, path,
                           "not a readable HDF5 results file (corrupt, or not written by unas)");
  check(H5Fincrement_filesize(file.get(), 0), path, "cannot repair the file's end of allocation");
}

void check_schema(hid_t file, const fs::path& path) {
  const auto version = read_attribute<std::int64_t>(file, "schema_version", H5T_NATIVE_INT64, path);
  if (version != kSchemaVersion)
    throw StoreError(fmt::format("{}: results schema version {}, this unas reads version {}", path.string(), version, kSchemaVersion));
}

}  // namespace

struct ResultsFile::Handles {
  Hid file, proposals, candidates, proposal_type, candidate_type;
};

ResultsFile::ResultsFile(fs::path path, std::unique_ptr<Handles> handles) : path_(std::move(path)), handles_(std::move(handles)) {}
ResultsFile::ResultsFile(ResultsFile&&) noexcept = default;
ResultsFile& ResultsFile::operator=(ResultsFile&&) noexcept = default;
ResultsFile::~ResultsFile() = default;

ResultsFile ResultsFile::create(const fs::path& path, const RunInfo& info) {
  silence_hdf5();
  if (fs::exists(path)) throw StoreError(fmt::format("{}: already exists", path.string()));
  if (path.has_parent_path()) fs::create_directories(path.parent_path());
  // Built under a temporary name: a crash before the tables exist leaves no half-made file.
  const fs::path building = path.string() + ".creating";
  fs::remove(building);
  auto h = std::make_unique<Handles>();
  {
    Hid file = checked(H5Fcreate(building.c_str(), H5F_ACC_EXCL, H5P_DEFAULT, file_access().get()), H5Fclose, path,
                       "cannot create the results file");
    write_attribute(file.get(), "schema_version", std::int64_t{kSchemaVersion}, H5T_NATIVE_INT64);
    write_attribute(file.get(), "experiment_name", info.experiment_name);
    write_attribute(file.get(), "experiment_toml", info.experiment_toml);
    write_attribute(file.get(), "config_digest", info.config_digest);
    write_attribute(file.get(), "unas_version", info.unas_version);
    write_attribute(file.get(), "hostname", info.hostname);
    write_attribute(file.get(), "started_at", info.started_at);
    write_attribute(file.get(), "seed", info.seed, H5T_NATIVE_UINT64);
    write_attribute(file.get(), "rounds", info.rounds, H5T_NATIVE_INT64);
    write_attribute(file.get(), "mpi_size", std::int64_t{info.mpi_size}, H5T_NATIVE_INT64);
    h->proposal_type = proposal_type();
    h->candidate_type = candidate_type();
    create_table(file.get(), "proposals", h->proposal_type.get(), path);
    create_table(file.get(), "candidates", h->candidate_type.get(), path);
  }
  fs::rename(building, path);
  return reopen(path);
}

ResultsFile ResultsFile::reopen(const fs::path& path) {
  silence_hdf5();
  if (!fs::exists(path)) throw StoreError(fmt::format("{}: no such results file", path.string()));
  recover_after_crash(path);
  auto h = std::make_unique<Handles>();
  h->file = checked(H5Fopen(path.c_str(), H5F_ACC_RDWR | H5F_ACC_SWMR_WRITE, file_access().get()), H5Fclose, path,
                    "cannot open the results file for writing (is another unas run writing it?)");
  check_schema(h->file.get(), path);
  h->proposal_type = proposal_type();
  h->candidate_type = candidate_type();
  h->proposals = checked(H5Dopen2(h->file.get(), "proposals", H5P_DEFAULT), H5Dclose, path, "not a unas results file");
  h->candidates = checked(H5Dopen2(h->file.get(), "candidates", H5P_DEFAULT), H5Dclose, path, "not a unas results file");
  return ResultsFile(path, std::move(h));
}

void ResultsFile::append(const ProposalRecord& r) {
  ProposalRow row{};
  row.id = r.id;
  row.parent_id = r.parent_id;
  put(row.architecture, r.architecture, "architecture");
  row.sparsity = r.sparsity;
  row.seed = r.seed;
  row.issued_at = r.issued_at;
  append_row(handles_->proposals.get(), handles_->proposal_type.get(), row, path_);
}

void ResultsFile::append(const CandidateRecord& r) {
  auto row = std::make_unique<CandidateRow>();  // 17 KB: keep it off the stack
  std::memset(row.get(), 0, sizeof(CandidateRow));
  row->id = r.id;
  row->parent_id = r.parent_id;
  row->rank = r.rank;
  put(row->outcome, r.outcome, "outcome");
  put(row->failure, r.failure.substr(0, kFailureBytes - 1), "failure");
  put(row->architecture, r.architecture, "architecture");
  row->sparsity = r.sparsity;
  row->seed = r.seed;
  row->val_error = r.val_error;
  row->test_error = r.test_error;
  row->pmu = r.pmu;
  row->model_size = r.model_size;
  row->macs = r.macs;
  row->pmu_pruned = r.pmu_pruned;
  row->model_size_pruned = r.model_size_pruned;
  row->macs_pruned = r.macs_pruned;
  put(row->val_curve, r.val_curve, "val_curve");
  put(row->pruned_layers, r.pruned_layers, "pruned_layers");
  row->train_seconds = r.train_seconds;
  row->issued_at = r.issued_at;
  row->finished_at = r.finished_at;
  append_row(handles_->candidates.get(), handles_->candidate_type.get(), *row, path_);
}

ResultsContents ResultsFile::read(const fs::path& path) {
  silence_hdf5();
  if (!fs::exists(path)) throw StoreError(fmt::format("{}: no such results file", path.string()));
  const Hid file = checked(H5Fopen(path.c_str(), H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, file_access().get()), H5Fclose, path,
                           "not a readable HDF5 results file (corrupt, or not written by unas)");
  check_schema(file.get(), path);
  ResultsContents out;
  RunInfo& info = out.info;
  info.experiment_name = read_string_attribute(file.get(), "experiment_name", path);
  info.experiment_toml = read_string_attribute(file.get(), "experiment_toml", path);
  info.config_digest = read_string_attribute(file.get(), "config_digest", path);
  info.unas_version = read_string_attribute(file.get(), "unas_version", path);
  info.hostname = read_string_attribute(file.get(), "hostname", path);
  info.started_at = read_string_attribute(file.get(), "started_at", path);
  info.seed = read_attribute<std::uint64_t>(file.get(), "seed", H5T_NATIVE_UINT64, path);
  info.rounds = read_attribute<std::int64_t>(file.get(), "rounds", H5T_NATIVE_INT64, path);
  info.mpi_size = static_cast<int>(read_attribute<std::int64_t>(file.get(), "mpi_size", H5T_NATIVE_INT64, path));

  for (const ProposalRow& row : read_rows<ProposalRow>(file.get(), "proposals", proposal_type().get(), path))
    out.proposals.push_back(ProposalRecord{row.id, row.parent_id, get(row.architecture), row.sparsity, row.seed, row.issued_at});
  for (const CandidateRow& row : read_rows<CandidateRow>(file.get(), "candidates", candidate_type().get(), path)) {
    CandidateRecord r;
    r.id = row.id;
    r.parent_id = row.parent_id;
    r.rank = row.rank;
    r.outcome = get(row.outcome);
    r.failure = get(row.failure);
    r.architecture = get(row.architecture);
    r.sparsity = row.sparsity;
    r.seed = row.seed;
    r.val_error = row.val_error;
    r.test_error = row.test_error;
    r.pmu = row.pmu;
    r.model_size = row.model_size;
    r.macs = row.macs;
    r.pmu_pruned = row.pmu_pruned;
    r.model_size_pruned = row.model_size_pruned;
    r.macs_pruned = row.macs_pruned;
    r.val_curve = get(row.val_curve);
    r.pruned_layers = get(row.pruned_layers);
    r.train_seconds = row.train_seconds;
    r.issued_at = row.issued_at;
    r.finished_at = row.finished_at;
    out.candidates.push_back(std::move(r));
  }
  return out;
}

}  // namespace unas::store
