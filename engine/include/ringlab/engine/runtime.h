// The Runtime: everything node protocol code may ask of the world. Protocol code never touches a socket, a clock or
// a random source directly; it asks its Runtime (FoundationDB's INetwork is the model). Two implementations:
// the simulation's virtual-time runtime (sim/) and the real runtime on Boost.Asio (engine/net/).
//
// A Runtime object is scoped to one node: send() sends from that node, spawn() tags fibers with it, rng() is its own
// stream. All calls come from the node's thread. Calls marked "fiber only" block the calling fiber and must be made
// from a fiber the runtime spawned; they throw FiberCancelled when the node stops (crashes) while the fiber waits,
// which unwinds the fiber to its spawn point, where the runtime swallows it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <ringlab/engine/events.h>
#include <ringlab/engine/message.h>
#include <ringlab/engine/random.h>
#include <ringlab/engine/types.h>

namespace ringlab {

// Thrown inside a fiber whose node has stopped; caught by the runtime at the fiber's entry. Not an error.
struct FiberCancelled {};

using TimerId = std::uint64_t;

class Runtime {
 public:
  virtual ~Runtime() = default;

  virtual NodeId self() const = 0;
  // Monotonic time since the start of the run.
  virtual TimePoint now() const = 0;
  // This node's wall clock in microseconds (the physical part of its HLC). May be skewed between nodes.
  virtual std::int64_t wallClockMicros() const = 0;

  // Starts a fiber on this node running `body`. It runs when the caller next blocks or returns. Exceptions other than
  // FiberCancelled escaping `body` are programming errors and terminate the run.
  virtual void spawn(FiberRole role, std::string name, std::function<void()> body) = 0;

  // Fiber only: blocks for `d`.
  virtual void sleepFor(Duration d) = 0;
  // Fiber only: occupies one of the node's CPU cores for the cost of handling one message or request, queueing while
  // all cores are busy. The real runtime does real work instead and returns at once.
  virtual void chargeCpu() = 0;
  // Fiber only: says what the calling fiber's next block waits for (recorded with its blocked slice for the
  // fiber-scheduling view). Call just before waiting on a condition; sleepFor() notes a timer itself.
  virtual void noteWait(const WaitFor& what) = 0;
  // Fiber only: throws FiberCancelled when the node has stopped since the calling fiber was spawned. Call after every
  // wake-up from a wait that is not one of the above.
  virtual void checkAlive() = 0;
  // How many fibers should serve replica requests concurrently (the node's core count in the simulation).
  virtual std::size_t concurrency() const = 0;

  // Calls `callback` once after `delay`, outside any fiber of this node; it must not block. A cancelled or stopped
  // node's timer does not fire.
  virtual TimerId startTimer(Duration delay, std::function<void()> callback) = 0;
  virtual void cancelTimer(TimerId id) = 0;

  // Sends `message` (message.from is set to self()). Delivery is not guaranteed. When the destination refuses the
  // connection (its process is not running), the sender's node is told through Node::onUnreachable.
  virtual void send(Message message) = 0;

  virtual Rng& rng() = 0;
  virtual EventBus& events() = 0;
};

}  // namespace ringlab
