#include "train/trainer.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <numeric>

#include "common/rng.h"
#include "train/candidate_model.h"
#include "resources/macs.h"
#include "train/device.h"
#include "train/model_weights.h"

namespace unas::train {

namespace {

torch::Device resolve_device(const std::string& name) {
  if (name == "auto") return select_device(local_rank());
  return torch::Device(name);
}

// Model inputs of the given rows (augmented for a training batch, which passes `rng`), on the
// device, in the model's memory format.
torch::Tensor batch_inputs(const data::Dataset& data, const data::Split& split, const torch::Tensor& rows, torch::Device device,
                           bool channels_last, Rng* rng = nullptr) {
  const torch::Tensor x = data.inputs(split, rows, rng).to(device);
  return channels_last ? x.contiguous(torch::MemoryFormat::ChannelsLast) : x;
}

torch::Tensor loss_of(const torch::Tensor& logits, const torch::Tensor& labels, int num_classes) {
  if (num_classes == 2) return torch::binary_cross_entropy_with_logits(logits.squeeze(1), labels.to(torch::kFloat32));
  return torch::nn::functional::cross_entropy(logits, labels);
}

torch::Tensor predictions(const torch::Tensor& logits, int num_classes) {
  return num_classes == 2 ? logits.squeeze(1).gt(0).to(torch::kInt64) : logits.argmax(1);
}

double error_rate(CandidateModel& model, const data::Dataset& data, const data::Split& split, int batch_size, torch::Device device,
                  bool channels_last) {
  if (split.size() == 0) return 1.0;
  torch::NoGradGuard no_grad;
  model->eval();
  std::int64_t correct = 0;
  for (std::int64_t start = 0; start < split.size(); start += batch_size) {
    const torch::Tensor rows = torch::arange(start, std::min(start + batch_size, split.size()), torch::kInt64);
    const torch::Tensor logits = model->forward(batch_inputs(data, split, rows, device, channels_last));
    correct += predictions(logits, data.num_classes).cpu().eq(split.labels.index_select(0, rows)).sum().item<std::int64_t>();
  }
  return 1.0 - static_cast<double>(correct) / static_cast<double>(split.size());
}

// Puts a parameter in channels-last layout. `contiguous(ChannelsLast)` leaves weights with one
// input channel per group (depthwise, first conv on grey images) unchanged, `to` does not.
void to_channels_last(torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  for (torch::Tensor& p : module.parameters())
    if (p.dim() == 4) p.set_data(p.to(p.options(), false, false, torch::MemoryFormat::ChannelsLast));
}

bool use_channels_last(const TrainConfig& config, const resources::LayerGraph& graph, torch::Device device) {
  if (!device.is_cpu() || config.memory_format == "nchw") return false;
  if (config.memory_format == "channels_last") return true;
  if (config.memory_format != "auto")
    throw TrainingFailure("memory format \"" + config.memory_format + "\" is not one of auto, channels_last, nchw");
  constexpr std::int64_t kSmallModelMacs = 1'000'000;
  return config.threads == 1 || resources::macs(graph) >= kSmallModelMacs;
}

TrainResult train(const arch::Architecture& arch, const data::Dataset& data, const TrainConfig& config, std::uint64_t seed,
                  double target_sparsity, const Inheritance* inheritance) {
  torch::set_num_threads(config.threads);
  const torch::Device device = resolve_device(config.device);
  const resources::LayerGraph graph = resources::build_layer_graph(arch, data.input, data.num_classes);
  const bool channels_last = use_channels_last(config, graph, device);
  TrainResult result;
  CandidateModel model = initial_model(graph, arch, config.dropout, seed, inheritance, &result.inheritance);
  model->to(device);
  if (channels_last) to_channels_last(*model);

  DecoupledOptimizer optimizer(model->parameters(), config.optimizer);
  std::optional<DpfPruner> pruner;
  if (config.pruning && target_sparsity > 0.0) pruner.emplace(model->prunable_weights(), *config.pruning, target_sparsity);
  // With pruning, only epochs after it ended count towards the validation error (the authors'
  // rule); when it ends in the last epoch, that epoch, already at the full target, counts.
  const int first_counted_epoch = pruner ? std::min(config.pruning->finish_epoch, config.epochs - 1) : 0;

  Rng rng(derive_seed(seed, 0, "train order"));
  double best = 1.0;
  std::int64_t samples = 0;
  const auto started = std::chrono::steady_clock::now();
  const std::int64_t n = data.train.size();
  for (int epoch = 0; epoch < config.epochs; ++epoch) {
    model->train();
    optimizer.start_epoch(epoch);
    if (pruner) pruner->start_epoch(epoch);
    std::vector<std::int64_t> order(static_cast<std::size_t>(n));
    std::iota(order.begin(), order.end(), std::int64_t{0});
    for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.index(i)]);
    const torch::Tensor shuffled = torch::tensor(order, torch::kInt64);
    for (std::int64_t start = 0; start < n; start += config.batch_size) {
      const torch::Tensor rows = shuffled.slice(0, start, std::min(start + config.batch_size, n));
      const torch::Tensor x = batch_inputs(data, data.train, rows, device, channels_last, &rng);
      const torch::Tensor y = data.train.labels.index_select(0, rows).to(device);

      if (pruner) pruner->before_batch();
      optimizer.zero_grad();
      const torch::Tensor loss = loss_of(model->forward(x), y, data.num_classes);
      const double value = loss.item<double>();
      if (!std::isfinite(value))
        throw TrainingFailure(fmt::format("loss became {} in epoch {}", value, epoch + 1));
      loss.backward();
      if (pruner) pruner->before_step();
      optimizer.step();
      samples += rows.size(0);
    }
    if (pruner) pruner->apply_masks();  // evaluate the pruned network
    const double val_error = error_rate(model, data, data.validation, config.batch_size, device, channels_last);
    result.val_curve.push_back(val_error);
    if (epoch >= first_counted_epoch) best = std::min(best, val_error);
    if (config.on_epoch)
      config.on_epoch(EpochReport{epoch + 1, config.epochs, val_error, pruner ? pruner->sparsity() : 0.0,
                                  std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()});
    if (stopping_epoch(config.stop_rungs, result.val_curve) == epoch + 1) {
      result.stopped_at_epoch = epoch + 1;
      best = val_error;  // its error where it stopped, whether pruning has ended or not
      break;
    }
  }
  result.train_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  result.samples_per_second = result.train_seconds > 0 ? static_cast<double>(samples) / result.train_seconds : 0.0;
  result.val_error = best;
  result.test_error = error_rate(model, data, data.test, config.batch_size, device, channels_last);
  if (pruner) {
    result.final_sparsity = pruner->sparsity();
    result.pruned = pruner->pruned_layers();
  }
  if (result.stopped_at_epoch == 0) result.weights = export_weights(*model);  // a stopped one is never a parent
  return result;
}

}  // namespace

CandidateModel initial_model(const resources::LayerGraph& graph, const arch::Architecture& arch, double dropout,
                             std::uint64_t seed, const Inheritance* inheritance, std::optional<InheritanceReport>* report) {
  torch::manual_seed(derive_seed(seed, 0, "torch init"));
  CandidateModel model(graph, dropout);
  if (inheritance) {
    InheritanceReport r = inherit_weights(*model, arch, *inheritance);
    if (report) *report = std::move(r);
  }
  return model;
}

TrainResult train_candidate(const arch::Architecture& arch, const data::Dataset& data, const TrainConfig& config,
                            std::uint64_t seed, double target_sparsity, const Inheritance* inheritance) {
  try {
    return train(arch, data, config, seed, target_sparsity, inheritance);
  } catch (const TrainingFailure&) {
    throw;
  } catch (const std::exception& e) {
    // c10::Error messages carry a long backtrace; the first line says what went wrong.
    const std::string what = e.what();
    throw TrainingFailure(what.substr(0, what.find('\n')));
  }
}

}  // namespace unas::train
