#include <ringlab/sim/scheduler.h>

#include <cstdio>
#include <cstdlib>

#include <boost/fiber/operations.hpp>

namespace ringlab {
namespace {

thread_local DeterministicScheduler* t_scheduler = nullptr;

bool isWorker(boost::fibers::context* ctx) { return ctx->is_context(boost::fibers::type::worker_context); }

constexpr std::size_t kDispatcherInterval = 64;

}  // namespace

void DeterministicScheduler::awakened(boost::fibers::context* ctx, FiberProps& props) noexcept {
  if (ctx->is_context(boost::fibers::type::dispatcher_context)) {
    m_dispatcher = ctx;
    return;
  }
  ctx->ready_link(m_ready);
  if (isWorker(ctx)) {
    ++m_readyWorkers;
    if (props.owner && ctx != m_running) props.owner->fiberReady(props);
  }
}

boost::fibers::context* DeterministicScheduler::pick_next() noexcept {
  // The fiber that ran last has stopped: yielded (it is in the ready queue), blocked, or finished.
  boost::fibers::context* previous = m_running;
  if (previous && isWorker(previous) && !previous->ready_is_linked() && !previous->terminated_is_linked()) {
    auto* props = static_cast<FiberProps*>(previous->get_properties());
    if (props && props->owner) props->owner->fiberBlocked(*props);
  }
  const bool onlyMainReady = m_readyWorkers == 0;
  if (m_dispatcher && (m_ready.empty() || ++m_picksSinceDispatcher >= kDispatcherInterval ||
                       (onlyMainReady && m_picksSinceDispatcher >= kDispatcherInterval / 4))) {
    boost::fibers::context* dispatcher = m_dispatcher;
    m_dispatcher = nullptr;
    m_picksSinceDispatcher = 0;
    m_running = dispatcher;
    return dispatcher;
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
  }
  m_running = next;
  return next;
}

bool DeterministicScheduler::has_ready_fibers() const noexcept { return !m_ready.empty() || m_dispatcher; }

void DeterministicScheduler::suspend_until(std::chrono::steady_clock::time_point const&) noexcept {
  // The main context is always ready while the simulation runs, so the dispatcher never runs out of work. Getting
  // here means a fiber blocked the main context: a programming error that would otherwise hang.
  std::fputs("ringlab: the simulation's main context blocked on a fiber primitive\n", stderr);
  std::abort();
}

void DeterministicScheduler::notify() noexcept {}

DeterministicScheduler& installDeterministicScheduler() {
  if (!t_scheduler) {
    auto* scheduler = new DeterministicScheduler();
    t_scheduler = scheduler;
    boost::fibers::context::active()->get_scheduler()->set_algo(scheduler);
  }
  return *t_scheduler;
}

void runReadyFibers() {
  DeterministicScheduler& scheduler = installDeterministicScheduler();
  while (scheduler.readyWorkers() > 0) boost::this_fiber::yield();
}

}  // namespace ringlab
