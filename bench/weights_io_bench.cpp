// What carrying weights costs a search, on the weights a real run stored:
//   weights_io_bench RESULTS.h5 [--out DIR]         (or under mpirun -np 2 for the MPI transfer)
// For every candidate whose weights RESULTS.h5 holds: the size of its result message, the time
// to encode and decode it, to append the weights to a fresh results file (flushed, deflated)
// and to read them back for a child's proposal; with 2 MPI ranks, the time to send the message
// there and back. Prints medians and totals, and the bytes /weights takes per 1 000 candidates.
#define OMPI_SKIP_MPICXX 1
#include <hdf5.h>
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "run/evaluation.h"
#include "store/results_file.h"

namespace {

using namespace unas;
using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

// Bytes the dataset's chunks take on disk (after deflate).
hsize_t storage_bytes(const std::filesystem::path& file, const char* dataset) {
  const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, H5P_DEFAULT);
  const hid_t d = H5Dopen2(f, dataset, H5P_DEFAULT);
  const hsize_t bytes = H5Dget_storage_size(d);
  H5Dclose(d);
  H5Fclose(f);
  return bytes;
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (argc < 2) {
    if (rank == 0) std::fprintf(stderr, "usage: weights_io_bench RESULTS.h5 [--out DIR]\n");
    MPI_Finalize();
    return 2;
  }
  const std::filesystem::path source = argv[1];
  const std::filesystem::path out_dir = argc > 3 && std::string(argv[2]) == "--out" ? argv[3] : "/tmp";
  const store::ResultsContents contents = store::ResultsFile::read(source);
  std::vector<Weights> all;
  for (std::int64_t id : contents.with_weights) all.push_back(*store::ResultsFile::read_weights(source, id));

  if (rank == 1) {  // echoes every message back
    for (std::size_t k = 0; k < all.size(); ++k) {
      MPI_Status status;
      MPI_Probe(0, 0, MPI_COMM_WORLD, &status);
      int bytes = 0;
      MPI_Get_count(&status, MPI_BYTE, &bytes);
      std::string message(static_cast<std::size_t>(bytes), '\0');
      MPI_Recv(message.data(), bytes, MPI_BYTE, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      MPI_Send(message.data(), bytes, MPI_BYTE, 0, 0, MPI_COMM_WORLD);
    }
    MPI_Finalize();
    return 0;
  }

  const std::filesystem::path target = out_dir / "weights_io_bench.h5";
  std::filesystem::remove(target);
  store::ResultsFile file = store::ResultsFile::create(target, contents.info);
  std::vector<double> values, message_bytes, codec, transfer, append, read;
  for (std::size_t k = 0; k < all.size(); ++k) {
    run::EvaluationResult r;
    r.id = static_cast<std::int64_t>(k);
    r.ok = true;
    r.weights = all[k];
    values.push_back(static_cast<double>(r.weights.values.size()));
    auto t = Clock::now();
    const std::string message = run::encode(r);
    const run::EvaluationResult back = run::decode_result(message);
    codec.push_back(since(t));
    message_bytes.push_back(static_cast<double>(message.size()));
    if (size > 1) {
      std::string echo(message.size(), '\0');
      t = Clock::now();
      MPI_Send(message.data(), static_cast<int>(message.size()), MPI_BYTE, 1, 0, MPI_COMM_WORLD);
      MPI_Recv(echo.data(), static_cast<int>(echo.size()), MPI_BYTE, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      transfer.push_back(since(t) / 2);
    }
    t = Clock::now();
    file.append_weights(r.id, back.weights);
    append.push_back(since(t));
    t = Clock::now();
    const auto again = file.weights(r.id);
    read.push_back(since(t));
    if (!again || again->values != all[k].values) {
      std::fprintf(stderr, "candidate %zu: weights did not read back\n", k);
      return 1;
    }
  }
  const double n = static_cast<double>(all.size());
  double total_values = 0.0;
  for (double v : values) total_values += v;
  const auto stored = static_cast<double>(storage_bytes(target, "weights"));
  std::printf("%zu candidates with weights from %s: median %.0f values (%.0f KB as float32), largest %.0f\n",
              all.size(), source.c_str(), median(values), median(values) * 4 / 1024,
              *std::max_element(values.begin(), values.end()));
  std::printf("result message: median %.0f KB; encode + decode %.2f ms median\n", median(message_bytes) / 1024,
              1e3 * median(codec));
  if (!transfer.empty())
    std::printf("MPI transfer to another rank (one way): %.2f ms median\n", 1e3 * median(transfer));
  std::printf("append to the results file (flushed): %.2f ms median; read back for a child: %.2f ms median\n",
              1e3 * median(append), 1e3 * median(read));
  std::printf("/weights on disk: %.1f MB for these (%.0f %% of the raw float32), %.1f MB per 1 000 candidates\n",
              stored / 1e6, 100 * stored / (4 * total_values), stored / n * 1000 / 1e6);
  std::printf(
      "per candidate, added to a search: %.2f ms (result: encode, send, decode, append; child: read, encode, send, "
      "decode)\n",
      1e3 * (2 * median(codec) + 2 * (transfer.empty() ? 0.0 : median(transfer)) + median(append) + median(read)));
  MPI_Finalize();
  return 0;
}
