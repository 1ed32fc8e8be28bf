//go:build !nodist

// c10d over gotch tensors: a TCPStore rendezvous and a Gloo process group. Each collective waits
// at most the group's timeout; failures (a peer gone, a timeout, a bad tensor) come back as strings.
#include "shim.h"
#include "cguard.h"

#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>

// The header declares the Gloo group only when the build says libtorch has it (Debian's does).
#define USE_C10D_GLOO
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

namespace {

using std::chrono::milliseconds;

// Every rank adds to its counter in the store every beatEvery, from a thread of its own, so
// that after a failed collective the others can tell a rank that is gone (its counter stopped
// for lostAfter) from one that is busy, slow or failing too.
constexpr milliseconds beatEvery{250}, lostAfter{1500};

std::string beatKey(int rank) { return "colash/beat/" + std::to_string(rank); }
std::string failedKey(int rank) { return "colash/failed/" + std::to_string(rank); }
std::string namedKey(int rank) { return "colash/named/" + std::to_string(rank); }

struct Group {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg;
  milliseconds timeout;
  int rank, size;
  bool ownStore; // rank 0 serves the store: when it stops answering, rank 0 is gone

  std::thread beat;
  std::mutex mu;
  std::condition_variable cv;
  bool stop = false;

  void startBeat() {
    beat = std::thread([this] {
      std::unique_lock<std::mutex> lock(mu);
      while (!cv.wait_for(lock, beatEvery, [this] { return stop; })) {
        lock.unlock();
        try {
          store->add(beatKey(rank), 1);
        } catch (...) {
          return; // the store is gone: the collectives will say so
        }
        lock.lock();
      }
    });
  }

  ~Group() {
    {
      std::lock_guard<std::mutex> lock(mu);
      stop = true;
    }
    cv.notify_all();
    if (beat.joinable()) beat.join();
  }
};

using colash::dup;
using colash::guard;

std::string message(const std::exception &e) {
  auto c = dynamic_cast<const c10::Error *>(&e);
  return c ? c->what_without_backtrace() : e.what();
}

// awaitNamers keeps rank 0's store answering, for 2*lostAfter at most, until every other live
// rank has named the lost ones: a survivor that failed later than rank 0 reads the heartbeats
// from this store, and if rank 0 left at once it would name rank 0 instead of the rank lost.
void awaitNamers(Group *g, const std::vector<bool> &alive) {
  auto deadline = std::chrono::steady_clock::now() + 2 * lostAfter;
  for (int r = 1; r < g->size; r++)
    while (alive[r] && !g->store->check({namedKey(r)}) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(milliseconds(50));
}

// lost names the ranks gone after this rank's collective failed: those whose heartbeat stopped
// for lostAfter and that did not report the failure too ("" when every rank is still there, say
// after a timeout). It takes as long as the slowest live rank's next beat, lostAfter at most, and
// on the rank serving the store as long as the other survivors take to name the lost ones too.
std::string lost(Group *g) {
  std::string gone;
  int n = 0;
  try {
    g->store->set(failedKey(g->rank), std::vector<uint8_t>{1});
    std::vector<int64_t> first(g->size);
    std::vector<bool> alive(g->size);
    alive[g->rank] = true;
    for (int r = 0; r < g->size; r++) first[r] = g->store->add(beatKey(r), 0);
    auto deadline = std::chrono::steady_clock::now() + lostAfter;
    for (bool all = false; !all && std::chrono::steady_clock::now() < deadline;) {
      std::this_thread::sleep_for(milliseconds(50));
      all = true;
      for (int r = 0; r < g->size; r++) {
        alive[r] = alive[r] || g->store->add(beatKey(r), 0) != first[r] || g->store->check({failedKey(r)});
        all = all && alive[r];
      }
    }
    for (int r = 0; r < g->size; r++)
      if (!alive[r]) gone += (n++ ? ", " : "") + std::to_string(r);
    g->store->set(namedKey(g->rank), std::vector<uint8_t>{1});
    if (n > 0 && g->rank == 0 && g->ownStore) awaitNamers(g, alive);
  } catch (const std::exception &) {
    if (g->ownStore && g->rank != 0)
      return "rank 0 is gone (the rendezvous store it serves stopped answering)";
    return "";
  }
  if (n == 0) return "";
  return (n == 1 ? "rank " + gone + " is gone" : "ranks " + gone + " are gone") + " (no heartbeat for " +
         std::to_string(lostAfter.count()) + "ms)";
}

// dense checks what Gloo needs: a contiguous CPU tensor (it reads raw memory).
void dense(const at::Tensor &t) {
  if (!t.defined()) throw std::runtime_error("undefined tensor");
  if (!t.is_contiguous()) throw std::runtime_error("tensor is not contiguous");
}

// wait waits for a collective; when it fails, the error names the ranks that are gone.
void wait(Group *g, c10::intrusive_ptr<c10d::Work> w) {
  try {
    if (!w->wait(g->timeout)) throw std::runtime_error("collective did not complete");
  } catch (const std::exception &e) {
    std::string who = lost(g);
    if (who.empty()) throw;
    throw std::runtime_error(who + ": " + message(e));
  }
}

// on_tensor runs a collective f on the group and tensor handles, with the tensor checked and in
// the one-element list c10d takes.
template <typename F> char *on_tensor(dist_group gp, dist_tensor tp, F f) {
  return guard([&] {
    auto g = static_cast<Group *>(gp);
    at::Tensor &t = *static_cast<at::Tensor *>(tp);
    dense(t);
    std::vector<at::Tensor> ts{t};
    f(g, t, ts);
  });
}

bool loopback(const std::string &addr) { return addr == "localhost" || addr.rfind("127.", 0) == 0; }

std::string joinedKey(int rank) { return "colash/joined/" + std::to_string(rank); }

// joinAll returns once every rank has set its key in the store, or throws after join naming the
// ranks that did not. Rank 0 serving the store has already waited for every client to connect;
// torchrun's agent does not wait for the workers.
void joinAll(c10d::Store &store, int rank, int size, milliseconds join) {
  store.set(joinedKey(rank), std::vector<uint8_t>{1});
  std::vector<std::string> keys;
  for (int r = 0; r < size; r++) keys.push_back(joinedKey(r));
  try {
    store.wait(keys, join);
  } catch (const std::exception &) {
    std::string missing;
    for (int r = 0; r < size; r++)
      if (!store.check({joinedKey(r)})) missing += (missing.empty() ? "" : ", ") + std::to_string(r);
    if (missing.empty()) throw;
    throw std::runtime_error("rank " + missing + " did not join within " + std::to_string(join.count() / 1000) + "s");
  }
}

} // namespace

extern "C" {

char *dist_new(const char *addr, int port, const char *prefix, int rank, int size, int64_t join_ms,
               int64_t timeout_ms, const char *iface, dist_group *out) {
  *out = nullptr;
  return guard([&] {
    auto g = std::make_unique<Group>();
    g->timeout = milliseconds(timeout_ms);
    g->rank = rank;
    g->size = size;
    g->ownStore = prefix[0] == '\0';
    c10d::TCPStoreOptions so;
    so.port = static_cast<std::uint16_t>(port);
    so.isServer = rank == 0 && g->ownStore;
    so.numWorkers = size; // clients count themselves in; the server (ours) waits for them all
    so.waitWorkers = true;
    so.timeout = milliseconds(join_ms);
    g->store = c10::make_intrusive<c10d::TCPStore>(addr, so);
    if (prefix[0] != '\0') g->store = c10::make_intrusive<c10d::PrefixStore>(prefix, g->store);
    joinAll(*g->store, rank, size, so.timeout);
    auto opts = c10d::ProcessGroupGloo::Options::create(g->timeout);
    if (iface[0] != '\0')
      opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(iface));
    else if (loopback(addr))
      opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(addr));
    else
      opts->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    opts->threads = 1;
    // Every rank has reached the store by now, so the Gloo connections,
    // which exchange addresses through it, take no longer than a collective.
    g->pg = c10::make_intrusive<c10d::ProcessGroupGloo>(g->store, rank, size, opts);
    g->store->setTimeout(g->timeout);
    g->startBeat();
    *out = g.release();
  });
}

void dist_free(dist_group g) {
  // A group whose peer died can still throw while its worker threads stop.
  try {
    delete static_cast<Group *>(g);
  } catch (...) {
  }
}

char *dist_allreduce(dist_group gp, dist_tensor tp, int op) {
  return on_tensor(gp, tp, [&](Group *g, at::Tensor &t, std::vector<at::Tensor> &ts) {
    c10d::AllreduceOptions o;
    o.reduceOp = c10d::ReduceOp::SUM; // Gloo has no AVG: sum, then divide below
    o.timeout = g->timeout;
    wait(g, g->pg->allreduce(ts, o));
    if (op == DIST_AVG) {
      at::NoGradGuard no_grad; // t may be a weight that requires grad
      t.div_(g->size);
    }
  });
}

char *dist_broadcast(dist_group gp, dist_tensor tp, int root) {
  return on_tensor(gp, tp, [&](Group *g, at::Tensor &, std::vector<at::Tensor> &ts) {
    c10d::BroadcastOptions o;
    o.rootRank = root;
    o.timeout = g->timeout;
    wait(g, g->pg->broadcast(ts, o));
  });
}

char *dist_allgather(dist_group gp, dist_tensor tp, dist_tensor *outs) {
  return on_tensor(gp, tp, [&](Group *g, at::Tensor &t, std::vector<at::Tensor> &in) {
    std::vector<std::vector<at::Tensor>> res(1);
    for (int i = 0; i < g->size; i++) res[0].push_back(at::empty_like(t));
    c10d::AllgatherOptions o;
    o.timeout = g->timeout;
    wait(g, g->pg->allgather(res, in, o));
    for (int i = 0; i < g->size; i++) outs[i] = new at::Tensor(res[0][i]);
  });
}

char *dist_barrier(dist_group gp) {
  return guard([&] {
    auto g = static_cast<Group *>(gp);
    c10d::BarrierOptions o;
    o.timeout = g->timeout;
    wait(g, g->pg->barrier(o));
  });
}

} // extern "C"
