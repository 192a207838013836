#pragma once
// Moved to tests/support; kept for the tests that still include it from here.
#include "support/temp_dir.hpp"
#include "support/unprivileged.hpp"
