#include "store/results_file.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include "store/hdf5_support.h"

namespace unas::store {

namespace {

namespace fs = std::filesystem;
using hdf5::check;
using hdf5::checked;
using hdf5::get;
using hdf5::Hid;
using hdf5::put;

// Fixed field sizes. The longest architecture of the search space is ~3.8 KB of JSON; the
// longest weights manifest (10 blocks of 3 layers with batch norm, projections, 3 dense
// blocks) ~12 KB.
constexpr std::size_t kArchitectureBytes = 8192;
constexpr std::size_t kFailureBytes = 512;
constexpr std::size_t kCurveBytes = 4096;
constexpr std::size_t kPrunedBytes = 4096;
constexpr std::size_t kOutcomeBytes = 8;
constexpr std::size_t kMorphismBytes = 128;
constexpr std::size_t kStopRungsBytes = 512;
constexpr std::size_t kManifestBytes = 16384;
constexpr std::size_t kTargetBytes = 64;
constexpr std::size_t kDirectoryBytes = 1024;
constexpr std::size_t kHostBytes = 64;
constexpr std::size_t kDeviceBytes = 16;
constexpr std::size_t kEventBytes = 8;
constexpr hsize_t kChunkRows = 16;
constexpr hsize_t kChunkFloats = 65536;  // 256 KB

struct ProposalRow {
  std::int64_t id, parent_id;
  char architecture[kArchitectureBytes];
  double sparsity;
  std::uint64_t seed;
  double issued_at;
  char morphism[kMorphismBytes];
  std::int32_t redraws;
  char stop_rungs[kStopRungsBytes];
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
  char morphism[kMorphismBytes];
  std::int64_t inherited_from;
  std::int32_t epochs_trained;
  double inherited_fraction;
  std::int32_t stopped_at_epoch;
  double started_at;
  char host[kHostBytes];
  char device[kDeviceBytes];
};

struct SessionRow {
  double at;
  char event[kEventBytes];
  std::int32_t mpi_size;
  char host[kHostBytes];
};

struct WeightIndexRow {
  std::int64_t id, offset, count;
  char tensors[kManifestBytes];
};

struct RetrainedRow {
  std::int64_t id;
  std::int32_t seed_index;
  std::uint64_t seed;
  std::int32_t rank;
  char outcome[kOutcomeBytes];
  char failure[kFailureBytes];
  double val_error, test_error;
  std::int64_t pmu, model_size, macs;
  double train_seconds, finished_at;
};

struct ExportRow {
  std::int64_t id;
  char outcome[kOutcomeBytes];
  char failure[kFailureBytes];
  std::int64_t test_examples;
  double float_accuracy, int8_accuracy;
  std::int64_t pmu, model_size, arena_bytes, parameter_bytes, flash_bytes, ram_bytes, stack_bytes;
  std::int32_t target_match;
  char target[kTargetBytes];
  char directory[kDirectoryBytes];
  double exported_at;
};

Hid proposal_row_type() {
  Hid t(H5Tcreate(H5T_COMPOUND, sizeof(ProposalRow)), H5Tclose);
  const Hid arch = hdf5::string_type(kArchitectureBytes), morphism = hdf5::string_type(kMorphismBytes),
            stop_rungs = hdf5::string_type(kStopRungsBytes);
  UNAS_FIELD(t.get(), ProposalRow, id, H5T_NATIVE_INT64);
  UNAS_FIELD(t.get(), ProposalRow, parent_id, H5T_NATIVE_INT64);
  UNAS_FIELD(t.get(), ProposalRow, architecture, arch.get());
  UNAS_FIELD(t.get(), ProposalRow, sparsity, H5T_NATIVE_DOUBLE);
  UNAS_FIELD(t.get(), ProposalRow, seed, H5T_NATIVE_UINT64);
  UNAS_FIELD(t.get(), ProposalRow, issued_at, H5T_NATIVE_DOUBLE);
  UNAS_FIELD(t.get(), ProposalRow, morphism, morphism.get());
  UNAS_FIELD(t.get(), ProposalRow, redraws, H5T_NATIVE_INT32);
  UNAS_FIELD(t.get(), ProposalRow, stop_rungs, stop_rungs.get());
  return t;
}

Hid candidate_row_type() {
  Hid t(H5Tcreate(H5T_COMPOUND, sizeof(CandidateRow)), H5Tclose);
  const Hid outcome = hdf5::string_type(kOutcomeBytes), failure = hdf5::string_type(kFailureBytes),
            arch = hdf5::string_type(kArchitectureBytes), curve = hdf5::string_type(kCurveBytes),
            pruned = hdf5::string_type(kPrunedBytes), morphism = hdf5::string_type(kMorphismBytes);
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
  UNAS_FIELD(t.get(), CandidateRow, morphism, morphism.get());
  UNAS_FIELD(t.get(), CandidateRow, inherited_from, H5T_NATIVE_INT64);
  UNAS_FIELD(t.get(), CandidateRow, epochs_trained, H5T_NATIVE_INT32);
  UNAS_FIELD(t.get(), CandidateRow, inherited_fraction, H5T_NATIVE_DOUBLE);
  UNAS_FIELD(t.get(), CandidateRow, stopped_at_epoch, H5T_NATIVE_INT32);
  const Hid host = hdf5::string_type(kHostBytes), device = hdf5::string_type(kDeviceBytes);
  UNAS_FIELD(t.get(), CandidateRow, started_at, H5T_NATIVE_DOUBLE);
  UNAS_FIELD(t.get(), CandidateRow, host, host.get());
  UNAS_FIELD(t.get(), CandidateRow, device, device.get());
  return t;
}

Hid session_row_type() {
  Hid t(H5Tcreate(H5T_COMPOUND, sizeof(SessionRow)), H5Tclose);
  const Hid event = hdf5::string_type(kEventBytes), host = hdf5::string_type(kHostBytes);
  UNAS_FIELD(t.get(), SessionRow, at, H5T_NATIVE_DOUBLE);
  UNAS_FIELD(t.get(), SessionRow, event, event.get());
  UNAS_FIELD(t.get(), SessionRow, mpi_size, H5T_NATIVE_INT32);
  UNAS_FIELD(t.get(), SessionRow, host, host.get());
  return t;
}

Hid weight_index_row_type() {
  Hid t(H5Tcreate(H5T_COMPOUND, sizeof(WeightIndexRow)), H5Tclose);
  const Hid tensors = hdf5::string_type(kManifestBytes);
  UNAS_FIELD(t.get(), WeightIndexRow, id, H5T_NATIVE_INT64);
  UNAS_FIELD(t.get(), WeightIndexRow, offset, H5T_NATIVE_INT64);
  UNAS_FIELD(t.get(), WeightIndexRow, count, H5T_NATIVE_INT64);
  UNAS_FIELD(t.get(), WeightIndexRow, tensors, tensors.get());
  return t;
}

Hid retrained_row_type() {
  Hid t(H5Tcreate(H5T_COMPOUND, sizeof(RetrainedRow)), H5Tclose);
  const Hid outcome = hdf5::string_type(kOutcomeBytes), failure = hdf5::string_type(kFailureBytes);
  UNAS_FIELD(t.get(), RetrainedRow, id, H5T_NATIVE_INT64);
  UNAS_FIELD(t.get(), RetrainedRow, seed_index, H5T_NATIVE_INT32);
  UNAS_FIELD(t.get(), RetrainedRow, seed, H5T_NATIVE_UINT64);
  UNAS_FIELD(t.get(), RetrainedRow, rank, H5T_NATIVE_INT32);
  UNAS_FIELD(t.get(), RetrainedRow, outcome, outcome.get());
  UNAS_FIELD(t.get(), RetrainedRow, failure, failure.get());
  UNAS_FIELD(t.get(), RetrainedRow, val_error, H5T_NATIVE_DOUBLE);
  UNAS_FIELD(t.get(), RetrainedRow, test_error, H5T_NATIVE_DOUBLE);
  UNAS_FIELD(t.get(), RetrainedRow, pmu, H5T_NATIVE_INT64);
  UNAS_FIELD(t.get(), RetrainedRow, model_size, H5T_NATIVE_INT64);
  UNAS_FIELD(t.get(), RetrainedRow, macs, H5T_NATIVE_INT64);
  UNAS_FIELD(t.get(), RetrainedRow, train_seconds, H5T_NATIVE_DOUBLE);
  UNAS_FIELD(t.get(), RetrainedRow, finished_at, H5T_NATIVE_DOUBLE);
  return t;
}

Hid export_row_type() {
  Hid t(H5Tcreate(H5T_COMPOUND, sizeof(ExportRow)), H5Tclose);
  const Hid outcome = hdf5::string_type(kOutcomeBytes), failure = hdf5::string_type(kFailureBytes),
            target = hdf5::string_type(kTargetBytes), directory = hdf5::string_type(kDirectoryBytes);
  UNAS_FIELD(t.get(), ExportRow, id, H5T_NATIVE_INT64);
  UNAS_FIELD(t.get(), ExportRow, outcome, outcome.get());
  UNAS_FIELD(t.get(), ExportRow, failure, failure.get());
  UNAS_FIELD(t.get(), ExportRow, test_examples, H5T_NATIVE_INT64);
  UNAS_FIELD(t.get(), ExportRow, float_accuracy, H5T_NATIVE_DOUBLE);
  UNAS_FIELD(t.get(), ExportRow, int8_accuracy, H5T_NATIVE_DOUBLE);
  UNAS_FIELD(t.get(), ExportRow, pmu, H5T_NATIVE_INT64);
  UNAS_FIELD(t.get(), ExportRow, model_size, H5T_NATIVE_INT64);
  UNAS_FIELD(t.get(), ExportRow, arena_bytes, H5T_NATIVE_INT64);
  UNAS_FIELD(t.get(), ExportRow, parameter_bytes, H5T_NATIVE_INT64);
  UNAS_FIELD(t.get(), ExportRow, flash_bytes, H5T_NATIVE_INT64);
  UNAS_FIELD(t.get(), ExportRow, ram_bytes, H5T_NATIVE_INT64);
  UNAS_FIELD(t.get(), ExportRow, stack_bytes, H5T_NATIVE_INT64);
  UNAS_FIELD(t.get(), ExportRow, target_match, H5T_NATIVE_INT32);
  UNAS_FIELD(t.get(), ExportRow, target, target.get());
  UNAS_FIELD(t.get(), ExportRow, directory, directory.get());
  UNAS_FIELD(t.get(), ExportRow, exported_at, H5T_NATIVE_DOUBLE);
  return t;
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
  const Hid attr =
      checked(H5Aopen(file, name, H5P_DEFAULT), H5Aclose, path, "not a unas results file (attributes missing)");
  const Hid type = text_type();
  char* text = nullptr;
  check(H5Aread(attr.get(), type.get(), &text), path, "not a unas results file (unreadable attribute)");
  std::string value = text != nullptr ? text : "";
  H5free_memory(text);
  return value;
}

template <typename T>
T read_attribute(hid_t file, const char* name, hid_t type, const fs::path& path) {
  const Hid attr =
      checked(H5Aopen(file, name, H5P_DEFAULT), H5Aclose, path, "not a unas results file (attributes missing)");
  T value{};
  H5Aread(attr.get(), type, &value);
  return value;
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

// Files written before `unas export` lack /exports, and before the utilisation timeline
// /sessions. A file open in SWMR mode cannot gain a table, so they are added here, in a plain
// read-write open, before the SWMR one. (Their /candidates rows lack started_at, host and device:
// HDF5 converts rows by field name, so new rows go in without them and read back with them zero.)
void add_missing_tables(const fs::path& path) {
  const Hid file = checked(H5Fopen(path.c_str(), H5F_ACC_RDWR, file_access().get()), H5Fclose, path,
                           "cannot open the results file for writing (is another unas run writing it?)");
  if (H5Lexists(file.get(), "exports", H5P_DEFAULT) <= 0)
    hdf5::create_table(file.get(), "exports", export_row_type().get(), kChunkRows, hdf5::Compression::kRows, path);
  if (H5Lexists(file.get(), "sessions", H5P_DEFAULT) <= 0)
    hdf5::create_table(file.get(), "sessions", session_row_type().get(), kChunkRows, hdf5::Compression::kRows, path);
}

void check_schema(hid_t file, const fs::path& path) {
  const auto version = read_attribute<std::int64_t>(file, "schema_version", H5T_NATIVE_INT64, path);
  if (version < kSchemaVersion)
    throw StoreError(
        fmt::format("{}: results schema version {}, written by an older unas (this one reads version {}; "
                    "analysis/ still reads it)",
                    path.string(), version, kSchemaVersion));
  if (version != kSchemaVersion)
    throw StoreError(fmt::format("{}: results schema version {}, this unas reads version {}", path.string(), version,
                                 kSchemaVersion));
}

Hid open_for_reading(const fs::path& path) {
  hdf5::silence_errors();
  if (!fs::exists(path)) throw StoreError(fmt::format("{}: no such results file", path.string()));
  Hid file = checked(H5Fopen(path.c_str(), H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, file_access().get()), H5Fclose, path,
                     "not a readable HDF5 results file (corrupt, or not written by unas)");
  check_schema(file.get(), path);
  return file;
}

}  // namespace

struct ResultsFile::Handles {
  Hid file, proposals, candidates, weights, weight_index, retrained, exports, sessions;
  Hid proposal_type = proposal_row_type(), candidate_type = candidate_row_type(),
      weight_index_type = weight_index_row_type(), retrained_type = retrained_row_type(),
      export_type = export_row_type(), session_type = session_row_type();
};

namespace {

// The last stored weights of each id, from the index.
template <typename Stored>
std::map<std::int64_t, Stored> load_weight_index(hid_t file, const fs::path& path) {
  std::map<std::int64_t, Stored> out;
  for (const WeightIndexRow& row :
       hdf5::read_rows<WeightIndexRow>(file, "weight_index", weight_index_row_type().get(), path))
    out[row.id] = Stored{row.offset, row.count, get(row.tensors)};
  return out;
}

template <typename Stored>
Weights read_stored_weights(hid_t weights, const Stored& stored, const fs::path& path) {
  std::vector<float> values(static_cast<std::size_t>(stored.count));
  if (stored.count > 0)
    hdf5::read(weights, H5T_NATIVE_FLOAT, values.data(), static_cast<hsize_t>(stored.offset),
               static_cast<hsize_t>(stored.count), path);
  try {
    return Weights::from_manifest(stored.manifest, std::move(values));
  } catch (const WeightsError& e) {
    throw StoreError(fmt::format("{}: {}", path.string(), e.what()));
  }
}

}  // namespace

ResultsFile::ResultsFile(fs::path path, std::unique_ptr<Handles> handles)
    : path_(std::move(path)), handles_(std::move(handles)) {
  stored_ = load_weight_index<StoredWeights>(handles_->file.get(), path_);
}
void ResultsFile::write_checked(const std::function<void()>& write) {
  check_still_at_path();
  try {
    write();
  } catch (const StoreError& e) {
    throw StoreError(fmt::format(
        "{}; the rows recorded before are intact: make room (or fix the disk) and run again to resume", e.what()));
  }
}

void ResultsFile::check_still_at_path() {
  int* fd = nullptr;
  hdf5::check(H5Fget_vfd_handle(handles_->file.get(), H5P_DEFAULT, reinterpret_cast<void**>(&fd)), path_,
              "cannot find the open file");
  struct stat open {
  }, at_path{};
  fstat(*fd, &open);
  if (stat(path_.c_str(), &at_path) == 0 && at_path.st_ino == open.st_ino && at_path.st_dev == open.st_dev) return;
  // Deleted or replaced: the open file still holds every row, and /proc can still open it.
  const fs::path saved = fs::exists(path_) ? fs::path(path_.string() + ".recovered") : path_;
  std::error_code error;
  fs::create_directories(saved.parent_path(), error);
  fs::copy_file(fmt::format("/proc/self/fd/{}", *fd), saved, fs::copy_options::overwrite_existing, error);
  if (error)
    throw StoreError(
        fmt::format("{}: deleted or replaced while this run was writing it, and its rows could not be saved ({})",
                    path_.string(), error.message()));
  throw StoreError(fmt::format(
      "{}: deleted or replaced while this run was writing it: its rows so far are saved as {}; {}", path_.string(),
      saved.string(), saved == path_ ? "run again to resume" : "move it back to resume from it"));
}

ResultsFile::ResultsFile(ResultsFile&&) noexcept = default;
ResultsFile& ResultsFile::operator=(ResultsFile&&) noexcept = default;
ResultsFile::~ResultsFile() = default;

ResultsFile ResultsFile::create(const fs::path& path, const RunInfo& info) {
  hdf5::silence_errors();
  if (fs::exists(path)) throw StoreError(fmt::format("{}: already exists", path.string()));
  if (path.has_parent_path()) fs::create_directories(path.parent_path());
  // Built under a temporary name: a crash before the tables exist leaves no half-made file.
  // Every table is made here: a file in SWMR mode cannot gain new objects.
  const fs::path building = path.string() + ".creating";
  fs::remove(building);
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
    const Handles types;
    using hdf5::Compression;
    hdf5::create_table(file.get(), "proposals", types.proposal_type.get(), kChunkRows, Compression::kRows, path);
    hdf5::create_table(file.get(), "candidates", types.candidate_type.get(), kChunkRows, Compression::kRows, path);
    hdf5::create_table(file.get(), "weights", H5T_NATIVE_FLOAT, kChunkFloats, Compression::kFloats, path);
    hdf5::create_table(file.get(), "weight_index", types.weight_index_type.get(), kChunkRows, Compression::kRows, path);
    hdf5::create_table(file.get(), "retrained", types.retrained_type.get(), kChunkRows, Compression::kRows, path);
    hdf5::create_table(file.get(), "exports", types.export_type.get(), kChunkRows, Compression::kRows, path);
    hdf5::create_table(file.get(), "sessions", types.session_type.get(), kChunkRows, Compression::kRows, path);
  }
  fs::rename(building, path);
  return reopen(path);
}

ResultsFile ResultsFile::reopen(const fs::path& path) {
  hdf5::silence_errors();
  if (!fs::exists(path)) throw StoreError(fmt::format("{}: no such results file", path.string()));
  recover_after_crash(path);
  add_missing_tables(path);
  auto h = std::make_unique<Handles>();
  h->file = checked(H5Fopen(path.c_str(), H5F_ACC_RDWR | H5F_ACC_SWMR_WRITE, file_access().get()), H5Fclose, path,
                    "cannot open the results file for writing (is another unas run writing it?)");
  check_schema(h->file.get(), path);
  h->proposals = hdf5::open_table(h->file.get(), "proposals", path);
  h->candidates = hdf5::open_table(h->file.get(), "candidates", path);
  h->weights = hdf5::open_table(h->file.get(), "weights", path);
  h->weight_index = hdf5::open_table(h->file.get(), "weight_index", path);
  h->retrained = hdf5::open_table(h->file.get(), "retrained", path);
  h->exports = hdf5::open_table(h->file.get(), "exports", path);
  h->sessions = hdf5::open_table(h->file.get(), "sessions", path);
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
  put(row.morphism, r.morphism, "morphism");
  row.redraws = r.redraws;
  put(row.stop_rungs, r.stop_rungs, "stop_rungs");
  write_checked([&] { hdf5::append(handles_->proposals.get(), handles_->proposal_type.get(), &row, 1, path_); });
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
  put(row->morphism, r.morphism, "morphism");
  row->inherited_from = r.inherited_from;
  row->epochs_trained = r.epochs_trained;
  row->inherited_fraction = r.inherited_fraction;
  row->stopped_at_epoch = r.stopped_at_epoch;
  row->started_at = r.started_at;
  put(row->host, r.host.substr(0, kHostBytes - 1), "host");
  put(row->device, r.device.substr(0, kDeviceBytes - 1), "device");
  write_checked([&] { hdf5::append(handles_->candidates.get(), handles_->candidate_type.get(), row.get(), 1, path_); });
}

void ResultsFile::append(const RetrainedRecord& r) {
  RetrainedRow row{};
  row.id = r.id;
  row.seed_index = r.seed_index;
  row.seed = r.seed;
  row.rank = r.rank;
  put(row.outcome, r.outcome, "outcome");
  put(row.failure, r.failure.substr(0, kFailureBytes - 1), "failure");
  row.val_error = r.val_error;
  row.test_error = r.test_error;
  row.pmu = r.pmu;
  row.model_size = r.model_size;
  row.macs = r.macs;
  row.train_seconds = r.train_seconds;
  row.finished_at = r.finished_at;
  write_checked([&] { hdf5::append(handles_->retrained.get(), handles_->retrained_type.get(), &row, 1, path_); });
}

void ResultsFile::append(const ExportRecord& r) {
  auto row = std::make_unique<ExportRow>();
  std::memset(row.get(), 0, sizeof(ExportRow));
  row->id = r.id;
  put(row->outcome, r.outcome, "outcome");
  put(row->failure, r.failure.substr(0, kFailureBytes - 1), "failure");
  row->test_examples = r.test_examples;
  row->float_accuracy = r.float_accuracy;
  row->int8_accuracy = r.int8_accuracy;
  row->pmu = r.pmu;
  row->model_size = r.model_size;
  row->arena_bytes = r.arena_bytes;
  row->parameter_bytes = r.parameter_bytes;
  row->flash_bytes = r.flash_bytes;
  row->ram_bytes = r.ram_bytes;
  row->stack_bytes = r.stack_bytes;
  row->target_match = r.target_match;
  put(row->target, r.target, "target");
  put(row->directory, r.directory, "directory");
  row->exported_at = r.exported_at;
  write_checked([&] { hdf5::append(handles_->exports.get(), handles_->export_type.get(), row.get(), 1, path_); });
}

void ResultsFile::append(const SessionRecord& r) {
  SessionRow row{};
  row.at = r.at;
  put(row.event, r.event, "event");
  row.mpi_size = r.mpi_size;
  put(row.host, r.host.substr(0, kHostBytes - 1), "host");
  write_checked([&] { hdf5::append(handles_->sessions.get(), handles_->session_type.get(), &row, 1, path_); });
}

void ResultsFile::append_weights(std::int64_t id, const Weights& weights) {
  auto row = std::make_unique<WeightIndexRow>();
  std::memset(row.get(), 0, sizeof(WeightIndexRow));
  row->id = id;
  row->offset = static_cast<std::int64_t>(hdf5::rows_of(handles_->weights.get()));
  row->count = static_cast<std::int64_t>(weights.values.size());
  const std::string manifest = weights.manifest();
  put(row->tensors, manifest, "weights manifest");
  // Values first: an index row only ever points at flushed values.
  write_checked([&] {
    if (row->count > 0)
      hdf5::append(handles_->weights.get(), H5T_NATIVE_FLOAT, weights.values.data(), static_cast<hsize_t>(row->count),
                   path_);
    hdf5::append(handles_->weight_index.get(), handles_->weight_index_type.get(), row.get(), 1, path_);
  });
  stored_[id] = StoredWeights{row->offset, row->count, manifest};
}

std::optional<Weights> ResultsFile::weights(std::int64_t id) const {
  const auto it = stored_.find(id);
  if (it == stored_.end()) return std::nullopt;
  return read_stored_weights(handles_->weights.get(), it->second, path_);
}

std::optional<Weights> ResultsFile::read_weights(const fs::path& path, std::int64_t id) {
  const Hid file = open_for_reading(path);
  const auto index = load_weight_index<StoredWeights>(file.get(), path);
  const auto it = index.find(id);
  if (it == index.end()) return std::nullopt;
  const Hid weights = hdf5::open_table(file.get(), "weights", path);
  return read_stored_weights(weights.get(), it->second, path);
}

ResultsContents ResultsFile::read(const fs::path& path) {
  const Hid file = open_for_reading(path);
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

  for (const ProposalRow& row : hdf5::read_rows<ProposalRow>(file.get(), "proposals", proposal_row_type().get(), path))
    out.proposals.push_back(ProposalRecord{row.id, row.parent_id, get(row.architecture), row.sparsity, row.seed,
                                           row.issued_at, get(row.morphism), row.redraws, get(row.stop_rungs)});
  for (const CandidateRow& row :
       hdf5::read_rows<CandidateRow>(file.get(), "candidates", candidate_row_type().get(), path)) {
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
    r.morphism = get(row.morphism);
    r.inherited_from = row.inherited_from;
    r.epochs_trained = row.epochs_trained;
    r.inherited_fraction = row.inherited_fraction;
    r.stopped_at_epoch = row.stopped_at_epoch;
    r.started_at = row.started_at;
    r.host = get(row.host);
    r.device = get(row.device);
    out.candidates.push_back(std::move(r));
  }
  for (const RetrainedRow& row :
       hdf5::read_rows<RetrainedRow>(file.get(), "retrained", retrained_row_type().get(), path))
    out.retrained.push_back(RetrainedRecord{row.id, row.seed_index, row.seed, row.rank, get(row.outcome),
                                            get(row.failure), row.val_error, row.test_error, row.pmu, row.model_size,
                                            row.macs, row.train_seconds, row.finished_at});
  if (H5Lexists(file.get(), "exports", H5P_DEFAULT) > 0)
    for (const ExportRow& row : hdf5::read_rows<ExportRow>(file.get(), "exports", export_row_type().get(), path))
      out.exports.push_back(ExportRecord{row.id, get(row.outcome), get(row.failure), row.test_examples,
                                         row.float_accuracy, row.int8_accuracy, row.pmu, row.model_size,
                                         row.arena_bytes, row.parameter_bytes, row.flash_bytes, row.ram_bytes,
                                         row.stack_bytes, row.target_match, get(row.target), get(row.directory),
                                         row.exported_at});
  if (H5Lexists(file.get(), "sessions", H5P_DEFAULT) > 0)
    for (const SessionRow& row : hdf5::read_rows<SessionRow>(file.get(), "sessions", session_row_type().get(), path))
      out.sessions.push_back(SessionRecord{row.at, get(row.event), row.mpi_size, get(row.host)});
  for (const auto& [id, stored] : load_weight_index<StoredWeights>(file.get(), path)) out.with_weights.push_back(id);
  return out;
}

}  // namespace unas::store
