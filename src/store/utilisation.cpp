#include "store/utilisation.h"

#include <algorithm>
#include <limits>
#include <set>
#include <utility>

namespace unas::store {

namespace {

std::vector<Session> sessions_of(const ResultsContents& c) {
  std::vector<double> events;  // every time rank 0 recorded something
  for (const auto& p : c.proposals) events.push_back(p.issued_at);
  for (const auto& r : c.candidates) events.push_back(r.finished_at);
  std::sort(events.begin(), events.end());
  std::vector<Session> out;
  if (c.sessions.empty()) {
    if (!events.empty()) out.push_back({events.front(), events.back(), std::max(c.info.mpi_size - 1, 1)});
    return out;
  }
  std::vector<SessionRecord> rows = c.sessions;
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.at < b.at; });
  std::vector<const SessionRecord*> starts;
  for (const auto& r : rows)
    if (r.event == "start") starts.push_back(&r);
  for (std::size_t k = 0; k < starts.size(); ++k) {
    const double at = starts[k]->at;
    const double next = k + 1 < starts.size() ? starts[k + 1]->at : std::numeric_limits<double>::infinity();
    double end = at;
    const auto stop = std::find_if(rows.begin(), rows.end(),
                                   [&](const auto& r) { return r.event == "stop" && r.at >= at && r.at < next; });
    if (stop != rows.end()) {
      end = stop->at;
    } else {  // killed: its last record
      for (double e : events)
        if (e >= at && e < next) end = e;
    }
    out.push_back({at, end, std::max(starts[k]->mpi_size - 1, 1)});
  }
  return out;
}

}  // namespace

Utilisation utilisation_of(const ResultsContents& c) {
  Utilisation u;
  u.sessions = sessions_of(c);
  std::set<std::pair<std::string, std::string>> devices;
  for (const auto& r : c.candidates) {
    const double start = r.started_at > 0 ? r.started_at : r.finished_at - r.train_seconds;
    const double busy = r.finished_at - start;
    RankUse& use = u.ranks[r.rank];
    use.busy_seconds += busy;
    ++use.candidates;
    if (!r.device.empty()) {
      use.host = r.host;
      use.device = r.device;
      devices.emplace(r.host, r.device);
    }
    u.busy_seconds += busy;
    ++u.candidates;
  }
  for (std::size_t k = 0; k < u.sessions.size(); ++k) {
    const Session& s = u.sessions[k];
    u.held_seconds += s.end - s.start;
    u.allocated_seconds += (s.end - s.start) * s.trainers;
    u.trainers = std::max(u.trainers, s.trainers);
    if (k > 0) u.gap_seconds += std::max(0.0, s.start - u.sessions[k - 1].end);
  }
  u.devices = devices.empty() ? u.trainers : static_cast<int>(devices.size());
  return u;
}

}  // namespace unas::store
