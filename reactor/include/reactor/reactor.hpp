// Everything the reactor offers, in one include.
#pragma once

#include "reactor/address.hpp"
#include "reactor/channel.hpp"
#include "reactor/clock.hpp"
#include "reactor/error.hpp"
#include "reactor/event.hpp"
#include "reactor/fd_watch.hpp"
#include "reactor/future.hpp"
#include "reactor/generator.hpp"
#include "reactor/io.hpp"
#include "reactor/loop.hpp"
#include "reactor/scope.hpp"
#if !defined(_WIN32)  // POSIX signals; Windows has console control events instead
#include "reactor/signal.hpp"
#endif
#include "reactor/sleep.hpp"
#include "reactor/socket.hpp"
#include "reactor/task.hpp"
#include "reactor/timeout.hpp"
#include "reactor/to_thread.hpp"
#include "reactor/when.hpp"
