/* Shared building blocks: include the piece you need rather than this umbrella. */
#ifndef COULOIR_CORE_CORE_H
#define COULOIR_CORE_CORE_H
#include "core/buf.h"
#include "core/config.h"
#include "core/log.h"
#include "core/rand.h"
#include "core/timeutil.h"
#include "core/uid.h"
#endif
