#include <ringlab/net/fiber_loop.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <vector>

#include <spdlog/spdlog.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/context/protected_fixedsize_stack.hpp>
#include <boost/fiber/fiber.hpp>
#include <boost/fiber/operations.hpp>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif

namespace ringlab::net {
namespace {

bool isWorker(boost::fibers::context* ctx) { return ctx->is_context(boost::fibers::type::worker_context); }

// Coordinator fibers call into RocksDB and the codec: give them room. Stacks are reused (FiberStacks), so a fiber per
// request costs no system call.
constexpr std::size_t kFiberStackBytes = 256 * 1024;
constexpr std::size_t kMaxBufferedSlices = 1u << 16;

thread_local boost::asio::io_context* t_io = nullptr;

// Fiber stacks: mapped with a guard page below each (an overflow faults instead of writing over a neighbour), and
// reused, so that a request or a connection arriving costs no system call in the common case. The free stacks follow
// the load with a delay: every returned stack is kept, and once per kTrimPeriod the stacks beyond kWarmStacks that no
// fiber needed during the whole period (the low-water mark of the free list) are unmapped. So a node that keeps 800
// pipelined commands in flight reuses its stacks instead of mapping and unmapping hundreds a second, and after a
// burst of thousands of connections the memory goes back to the kernel within two periods instead of staying
// resident in a pool that never shrinks.
//
// Stacks are unpoisoned for AddressSanitizer when handed out and when returned: Boost.Context's switches are not
// annotated, so frames unwound by an exception on a fiber stack (FiberCancelled at shutdown) can leave stale
// redzones behind that would otherwise be reported when the stack is reused.
class FiberStacks {
 public:
  explicit FiberStacks(std::size_t size) : m_shared(std::make_shared<Shared>(size)) {}
  boost::context::stack_context allocate() {
    boost::context::stack_context stack;
    {
      std::lock_guard<std::mutex> lock(m_shared->mutex);
      if (!m_shared->free.empty()) {
        stack = m_shared->free.back();
        m_shared->free.pop_back();
      }
      m_shared->lowWater = std::min(m_shared->lowWater, m_shared->free.size());
    }
    if (!stack.sp) stack = boost::context::protected_fixedsize_stack(m_shared->size).allocate();
#if defined(__SANITIZE_ADDRESS__)
    ASAN_UNPOISON_MEMORY_REGION(static_cast<char*>(stack.sp) - stack.size, stack.size);
#endif
    return stack;
  }
  void deallocate(boost::context::stack_context& stack) noexcept {
#if defined(__SANITIZE_ADDRESS__)
    ASAN_UNPOISON_MEMORY_REGION(static_cast<char*>(stack.sp) - stack.size, stack.size);
#endif
    std::lock_guard<std::mutex> lock(m_shared->mutex);
    m_shared->free.push_back(stack);
  }
  // Unmaps the free stacks beyond kWarmStacks that stayed free since the last trim, if a period has passed since.
  void trim(std::chrono::steady_clock::time_point now) {
    const auto ticks = now.time_since_epoch().count();
    if (ticks < m_shared->nextTrim.load(std::memory_order_relaxed)) return;  // the common case: no lock
    std::vector<boost::context::stack_context> release;
    {
      std::lock_guard<std::mutex> lock(m_shared->mutex);
      if (ticks < m_shared->nextTrim.load(std::memory_order_relaxed)) return;
      m_shared->nextTrim.store((now + kTrimPeriod).time_since_epoch().count(), std::memory_order_relaxed);
      if (m_shared->lowWater > kWarmStacks) {
        // The bottom of the free list: the stacks reused least recently (allocate takes from the top).
        const auto count = static_cast<std::ptrdiff_t>(m_shared->lowWater - kWarmStacks);
        release.assign(m_shared->free.begin(), m_shared->free.begin() + count);
        m_shared->free.erase(m_shared->free.begin(), m_shared->free.begin() + count);
      }
      m_shared->lowWater = m_shared->free.size();
    }
    for (auto& stack : release) boost::context::protected_fixedsize_stack(m_shared->size).deallocate(stack);
  }

  static constexpr std::chrono::seconds kTrimPeriod{1};

 private:
  static constexpr std::size_t kWarmStacks = 128;
  struct Shared {
    explicit Shared(std::size_t bytes) : size(bytes) { free.reserve(kWarmStacks); }
    const std::size_t size;
    std::mutex mutex;  // loops on several threads (tests run nodes side by side) share the stacks
    std::vector<boost::context::stack_context> free;
    std::size_t lowWater = 0;                                 // the fewest free stacks since the last trim
    std::atomic<std::chrono::steady_clock::rep> nextTrim{0};  // when trim() next looks, in clock ticks
  };
  std::shared_ptr<Shared> m_shared;  // shared by the copies each fiber takes
};

FiberStacks& fiberStacks() {
  static FiberStacks stacks(kFiberStackBytes);
  return stacks;
}

}  // namespace

std::int64_t LoopScheduler::nowNanos() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - m_epoch).count();
}

void noteWait(const WaitFor& what) {
  auto* props = static_cast<LoopFiberProps*>(boost::fibers::context::active()->get_properties());
  if (props) props->waitFor = what;
}

void LoopScheduler::transition(LoopFiberProps& props, FiberState next, std::int64_t now) {
  const bool leavingBlocked = props.state == FiberState::kBlocked;
  if (props.stateSinceNanos >= 0 && m_slices.size() < kMaxBufferedSlices) {
    m_slices.push_back(FiberSlice{props.node, props.fiberId, props.role, props.state,
                                  TimePoint{Duration(props.stateSinceNanos)}, TimePoint{Duration(now)},
                                  leavingBlocked ? props.waitFor : WaitFor{}});
  }
  if (leavingBlocked) props.waitFor = WaitFor{};
  props.state = next;
  props.stateSinceNanos = now;
}

void LoopScheduler::awakened(boost::fibers::context* ctx, LoopFiberProps& props) noexcept {
  ctx->ready_link(m_ready);
  if (!isWorker(ctx)) return;
  ++m_readyWorkers;
  if (m_recordSlices && props.fiberId != 0 && ctx != m_running) transition(props, FiberState::kReady, nowNanos());
}

boost::fibers::context* LoopScheduler::pick_next() noexcept {
  const std::int64_t now = m_recordSlices ? nowNanos() : -1;
  if (m_running && isWorker(m_running) && m_recordSlices) {
    auto* props = static_cast<LoopFiberProps*>(m_running->get_properties());
    if (props && props->fiberId != 0 && props->state == FiberState::kRunning) {
      const bool ready = m_running->ready_is_linked();
      const bool ended = m_running->terminated_is_linked();
      transition(*props, ready ? FiberState::kReady : FiberState::kBlocked, now);
      if (ended) props->stateSinceNanos = -1;
    }
  }
  if (m_ready.empty()) {
    m_running = nullptr;
    return nullptr;
  }
  boost::fibers::context* next = &m_ready.front();
  m_ready.pop_front();
  if (isWorker(next)) {
    --m_readyWorkers;
    ++m_switches;
    if (m_recordSlices) {
      auto* props = static_cast<LoopFiberProps*>(next->get_properties());
      if (props && props->fiberId != 0) transition(*props, FiberState::kRunning, now);
    }
  }
  m_running = next;
  return next;
}

void LoopScheduler::suspend_until(std::chrono::steady_clock::time_point const& deadline) noexcept {
  // Only reached when the main context itself waits on a fiber primitive: keep serving I/O meanwhile so that
  // whatever it waits for can happen.
  if (!t_io) return;
  try {
    if (deadline == std::chrono::steady_clock::time_point::max()) {
      t_io->run_one_for(std::chrono::milliseconds(10));
    } else {
      t_io->run_one_until(deadline);
    }
  } catch (const std::exception& e) {
    spdlog::critical("event loop handler threw: {}", e.what());
    std::terminate();
  }
}

void LoopScheduler::notify() noexcept {
  if (t_io) boost::asio::post(*t_io, [] {});
}

std::vector<FiberSlice> LoopScheduler::takeSlices() {
  std::vector<FiberSlice> out;
  out.swap(m_slices);
  return out;
}

FiberLoop::FiberLoop(boost::asio::io_context& io) : m_io(io), m_epoch(std::chrono::steady_clock::now()) {
  t_io = &io;
  m_scheduler = new LoopScheduler(m_epoch);
  // The scheduler takes ownership of the algorithm.
  boost::fibers::context::active()->get_scheduler()->set_algo(m_scheduler);
}

FiberLoop::~FiberLoop() {
  if (t_io == &m_io) t_io = nullptr;
}

std::uint64_t FiberLoop::spawn(NodeId node, FiberRole role, std::string name, std::function<void()> body) {
  FiberStacks& stacks = fiberStacks();
  const std::uint64_t id = ++m_nextFiberId;
  ++m_liveFibers;
  boost::fibers::fiber fiber(std::allocator_arg, stacks,
                             [this, name = std::move(name), body = std::move(body)]() mutable {
                               try {
                                 body();
                               } catch (const std::exception& e) {
                                 spdlog::critical("fiber '{}' ended with an exception: {}", name, e.what());
                                 std::terminate();
                               }
                               body = nullptr;
                               --m_liveFibers;
                             });
  auto& props = fiber.properties<LoopFiberProps>();
  props.node = node;
  props.role = role;
  props.fiberId = id;
  fiber.detach();
  return id;
}

void FiberLoop::run(const std::function<bool()>& drained, Duration grace,
                    const std::function<void(std::vector<FiberSlice>&)>& onSlices) {
  auto work = boost::asio::make_work_guard(m_io);
  std::optional<std::chrono::steady_clock::time_point> giveUpAt;
  for (;;) {
    m_io.poll();
    // Every fiber made ready by those handlers (and the dispatcher) runs once before the main context again.
    boost::this_fiber::yield();
    if (onSlices) {
      std::vector<FiberSlice> slices = m_scheduler->takeSlices();
      if (!slices.empty()) onSlices(slices);
    }
    if (m_stopping) {
      const auto now = std::chrono::steady_clock::now();
      if (!giveUpAt) giveUpAt = now + grace;
      if ((drained && drained()) || now >= *giveUpAt) break;
    }
    fiberStacks().trim(std::chrono::steady_clock::now());  // at most once a period; otherwise a clock read
    if (m_scheduler->readyWorkers() > 0) continue;
    if (m_stopping) {
      m_io.run_one_for(std::chrono::milliseconds(5));
    } else {
      m_io.run_one();
    }
  }
}

void FiberLoop::stop() {
  m_stopping = true;
  boost::asio::post(m_io, [] {});
}

}  // namespace ringlab::net
