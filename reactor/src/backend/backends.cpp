// The table of backends: the one list a new backend joins (with its enum
// value in loop.hpp, its file here and its lines in
// cmake/reactor-backends.cmake, which defines REACTORD_HAVE_<backend> for
// each backend a build has). Names, parsing, the order `automatic` tries and
// the factories all come from here.
#include "backend/backend.hpp"

namespace reactor::detail {

// Defined by each backend's file.
std::unique_ptr<backend> make_io_uring_backend(loop& owner);
std::unique_ptr<backend> make_epoll_backend(loop& owner);
std::unique_ptr<backend> make_kqueue_backend(loop& owner);
std::unique_ptr<backend> make_iocp_backend(loop& owner);

namespace {

#if defined(REACTORD_HAVE_IO_URING)
constexpr backend_factory io_uring = make_io_uring_backend;
#else
constexpr backend_factory io_uring = nullptr;
#endif
#if defined(REACTORD_HAVE_EPOLL)
constexpr backend_factory epoll = make_epoll_backend;
#else
constexpr backend_factory epoll = nullptr;
#endif
#if defined(REACTORD_HAVE_KQUEUE)
constexpr backend_factory kqueue = make_kqueue_backend;
#else
constexpr backend_factory kqueue = nullptr;
#endif
#if defined(REACTORD_HAVE_IOCP)
constexpr backend_factory iocp = make_iocp_backend;
#else
constexpr backend_factory iocp = nullptr;
#endif

// In preference order: io_uring before epoll (Linux builds have both).
constexpr backend_entry table[] = {
    {backend_kind::io_uring, "io_uring", io_uring},
    {backend_kind::epoll, "epoll", epoll},
    {backend_kind::kqueue, "kqueue", kqueue},
    {backend_kind::iocp, "iocp", iocp},
};

}  // namespace

std::span<backend_entry const> backend_table() noexcept {
  return table;
}

}  // namespace reactor::detail
