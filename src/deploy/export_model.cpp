#include "deploy/export_model.h"

#include <fmt/format.h>

#include <fstream>

#include "deploy/c_source_writer.h"
#include "deploy/calibration.h"
#include "deploy/check_programs.h"
#include "deploy/cortex_m.h"
#include "deploy/host_build.h"
#include "deploy/quantised_model.h"
#include "resources/arena_plan.h"
#include "resources/model_size.h"
#include "resources/peak_memory.h"
#include "train/candidate_model.h"
#include "train/model_weights.h"

namespace unas::deploy {

namespace fs = std::filesystem;

namespace {

constexpr std::int64_t kBatch = 256;
// The host build classifies the test split in seconds; the limit only catches a hang, and is
// generous because a loaded machine (a search beside it, a nice'd export) stretches wall time.
constexpr double kHostSeconds = 3600.0;
constexpr const char* kBoard = "mps2-an385 (Cortex-M3, qemu)";

// Model inputs of `rows` as the exported model takes them: int8, HWC, in the input's quantisation.
torch::Tensor quantised_inputs(const torch::Tensor& inputs, const QuantParams& q) {
  return inputs.permute({0, 2, 3, 1})
      .div(q.scale)
      .round()
      .add(q.zero_point)
      .clamp(-128, 127)
      .to(torch::kInt8)
      .contiguous();
}

// The class an output vector stands for: the largest logit, or for a 2-class task (one unit) a
// positive one. Comparing int8 values compares the reals they stand for.
std::int64_t predicted_class(const std::int8_t* out, std::int64_t units, std::int32_t zero_point) {
  if (units == 1) return out[0] > zero_point ? 1 : 0;
  std::int64_t best = 0;
  for (std::int64_t k = 1; k < units; ++k)
    if (out[k] > out[best]) best = k;
  return best;
}

struct TestRun {
  std::vector<std::int64_t> float_predictions;
  std::vector<std::int8_t> check_inputs;  // the first few quantised inputs, for the target check
};

// Runs the float model over the test split, and writes its quantised inputs to `input_file`.
TestRun run_float_model(train::CandidateModelImpl& model, const data::Dataset& data, const QuantParams& input_q,
                        const fs::path& input_file, std::int64_t check_bytes) {
  torch::NoGradGuard no_grad;
  model.eval();
  TestRun run;
  std::ofstream out(input_file, std::ios::binary);
  const data::Split& test = data.test;
  for (std::int64_t start = 0; start < test.size(); start += kBatch) {
    const torch::Tensor rows = torch::arange(start, std::min(start + kBatch, test.size()), torch::kInt64);
    const torch::Tensor x = data.inputs(test, rows);
    const torch::Tensor logits = model.forward(x);
    const torch::Tensor predicted = data.num_classes == 2 ? logits.squeeze(1).gt(0).to(torch::kInt64) : logits.argmax(1);
    const auto p = predicted.contiguous();
    run.float_predictions.insert(run.float_predictions.end(), p.data_ptr<std::int64_t>(), p.data_ptr<std::int64_t>() + p.numel());
    const torch::Tensor q = quantised_inputs(x, input_q);
    const auto* bytes = q.data_ptr<std::int8_t>();
    out.write(reinterpret_cast<const char*>(bytes), q.numel());
    const std::int64_t wanted = check_bytes - static_cast<std::int64_t>(run.check_inputs.size());
    if (wanted > 0) run.check_inputs.insert(run.check_inputs.end(), bytes, bytes + std::min<std::int64_t>(wanted, q.numel()));
  }
  if (!out) throw ExportError(fmt::format("{}: cannot write the quantised test inputs", input_file.string()));
  return run;
}

std::vector<std::int8_t> read_bytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::vector<std::int8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

ExportReport export_model(const resources::LayerGraph& graph, const Weights& weights, const data::Dataset& data,
                          const ExportOptions& options) {
  ExportReport report;
  train::CandidateModel model(graph, 0.0);
  train::load_weights(*model, weights);
  const QuantisedModel q = quantise(graph, weights, calibrate(*model, data, data.train, options.calibration_inputs, options.seed));
  const resources::Schedule schedule = resources::optimal_schedule(graph);
  const resources::ArenaPlan plan = resources::plan_arena(graph, schedule.order);
  report.pmu = schedule.peak_bytes;
  report.model_size = resources::model_size_bytes(graph);
  report.arena_bytes = plan.arena_bytes;
  report.weight_bytes = q.weight_bytes();
  report.bias_bytes = q.bias_bytes();
  report.multiplier_bytes = q.multiplier_bytes();

  const fs::path& dir = options.out_dir;
  const fs::path work = dir / "check";
  fs::create_directories(work);
  write_model_sources(q, plan, dir, options.provenance);

  // The whole test split through the host build.
  const std::int64_t input_bytes = graph.tensor(graph.input()).bytes();
  const std::int64_t output_bytes = graph.tensor(graph.output()).bytes();
  const QuantParams& output_q = q.tensors[static_cast<std::size_t>(graph.output())];
  const TestRun run = run_float_model(*model, data, q.tensors[static_cast<std::size_t>(graph.input())], work / "test_inputs.bin",
                                      input_bytes * std::min<std::int64_t>(options.check_inputs, data.test.size()));
  std::vector<fs::path> eval_sources = model_sources(dir);
  eval_sources.push_back(write_eval_main(work));
  build_host_program(eval_sources, {dir}, work / "host_eval");
  run_host_program({(work / "host_eval").string(), (work / "test_inputs.bin").string(), (work / "test_outputs.bin").string()},
                   kHostSeconds);
  const std::vector<std::int8_t> outputs = read_bytes(work / "test_outputs.bin");
  fs::remove(work / "test_inputs.bin");
  fs::remove(work / "test_outputs.bin");
  const std::int64_t n = data.test.size();
  if (static_cast<std::int64_t>(outputs.size()) != n * output_bytes)
    throw ExportError(fmt::format("the host build wrote {} output bytes for {} test inputs of {} bytes each", outputs.size(), n,
                                  output_bytes));
  const auto* labels = data.test.labels.contiguous().data_ptr<std::int64_t>();
  std::int64_t float_correct = 0, int8_correct = 0, agree = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int64_t p = predicted_class(outputs.data() + i * output_bytes, output_bytes, output_q.zero_point);
    const std::int64_t f = run.float_predictions[static_cast<std::size_t>(i)];
    float_correct += f == labels[i];
    int8_correct += p == labels[i];
    agree += p == f;
  }
  report.test_examples = n;
  const double count = static_cast<double>(std::max<std::int64_t>(n, 1));
  report.float_accuracy = static_cast<double>(float_correct) / count;
  report.int8_accuracy = static_cast<double>(int8_correct) / count;
  report.agreement = static_cast<double>(agree) / count;

  // A few inputs on the target, against the host build of the same check program.
  std::vector<fs::path> check_sources = model_sources(dir);
  for (const fs::path& source : write_check_main(work, run.check_inputs, input_bytes)) check_sources.push_back(source);
  build_host_program(check_sources, {dir, work}, work / "host_check");
  const std::vector<std::string> host_lines = parse_check_output(run_host_program({(work / "host_check").string()}, kHostSeconds));
  if (!options.run_target) {
    report.target_skipped = "not asked for (--no-target)";
    return report;
  }
  const std::optional<CortexMToolchain> toolchain = find_cortex_m_toolchain();
  if (!toolchain) {
    report.target_skipped = "arm-none-eabi-gcc, arm-none-eabi-size or qemu-system-arm not found (scripts/install-deps.sh installs them)";
    return report;
  }
  write_target_runtime(work);
  const FirmwareSize size = build_firmware(*toolchain, check_sources, {dir, work}, work / "firmware.elf", work);
  const QemuRun qemu = run_on_qemu(*toolchain, work / "firmware.elf", options.target_timeout_seconds);
  if (qemu.timed_out) throw ExportError(fmt::format("qemu did not finish within {:g} s", options.target_timeout_seconds));
  if (qemu.exit_status != 0)
    throw ExportError(fmt::format("the firmware exited with status {} under qemu: {}", qemu.exit_status, qemu.stderr_text));
  TargetReport target;
  target.board = kBoard;
  target.firmware_text = size.text;
  target.firmware_data = size.data;
  target.firmware_bss = size.bss;
  const std::vector<fs::path> probes = write_size_probes(work);
  std::vector<fs::path> with_model = model_sources(dir);
  with_model.push_back(probes[0]);
  const std::vector<std::string> nano{"--specs=nano.specs"};  // the smaller C library: the probes print nothing
  const FirmwareSize model_size = build_firmware(*toolchain, with_model, {dir}, work / "model_probe.elf", work, nano);
  const FirmwareSize empty_size = build_firmware(*toolchain, {probes[1]}, {dir}, work / "empty_probe.elf", work, nano);
  target.model_flash = model_size.flash() - empty_size.flash();
  target.model_static_ram = model_size.static_ram() - empty_size.static_ram();
  target.seconds = qemu.seconds;
  target.outputs_match = parse_check_output(qemu.stdout_text) == host_lines;
  target.stack_bytes = reported_stack_bytes(qemu.stderr_text).value_or(-1);
  report.target = target;
  return report;
}

}  // namespace unas::deploy
