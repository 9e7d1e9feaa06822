#include "core/config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"

typedef struct {
    const config_setting *decl;
    char *value; /* owned; NULL = unset */
} config_entry;

struct config {
    config_entry *entries;
    size_t n;
};

config_t *config_new(const config_setting *const *tables, size_t ntables)
{
    config_t *cfg = calloc(1, sizeof *cfg);
    if (!cfg) return NULL;
    size_t total = 0;
    for (size_t t = 0; t < ntables; t++)
        for (const config_setting *s = tables[t]; s->section; s++) total++;
    cfg->entries = calloc(total ? total : 1, sizeof *cfg->entries);
    if (!cfg->entries) {
        free(cfg);
        return NULL;
    }
    for (size_t t = 0; t < ntables; t++)
        for (const config_setting *s = tables[t]; s->section; s++) {
            config_entry *e = &cfg->entries[cfg->n++];
            e->decl = s;
            e->value = s->default_value ? strdup(s->default_value) : NULL;
        }
    return cfg;
}

void config_free(config_t *cfg)
{
    if (!cfg) return;
    for (size_t i = 0; i < cfg->n; i++) free(cfg->entries[i].value);
    free(cfg->entries);
    free(cfg);
}

static config_entry *find(const config_t *cfg, const char *section, const char *key)
{
    for (size_t i = 0; i < cfg->n; i++)
        if (strcasecmp(cfg->entries[i].decl->section, section) == 0 &&
            strcasecmp(cfg->entries[i].decl->key, key) == 0)
            return &cfg->entries[i];
    return NULL;
}

int config_set(config_t *cfg, const char *section, const char *key, const char *value)
{
    config_entry *e = find(cfg, section, key);
    if (!e) return -1;
    char *copy = value ? strdup(value) : NULL;
    if (value && !copy) return -1;
    free(e->value);
    e->value = copy;
    return 0;
}

typedef struct {
    config_t *cfg;
    char *err;
    size_t errlen;
    int failed;
    int lineno;
} load_ctx;

static int on_ini(void *user, const char *section, const char *name, const char *value)
{
    load_ctx *ctx = user;
    ctx->lineno++;
    if (config_set(ctx->cfg, section, name, value) != 0) {
        if (!ctx->failed)
            snprintf(ctx->err, ctx->errlen, "unknown setting [%s] %s", section, name);
        ctx->failed = 1;
        return 0;
    }
    return 1;
}

void config_apply_env(config_t *cfg)
{
    for (size_t i = 0; i < cfg->n; i++) {
        char name[256];
        int len = snprintf(name, sizeof name, "COULOIR_%s_%s", cfg->entries[i].decl->section, cfg->entries[i].decl->key);
        if (len < 0 || (size_t)len >= sizeof name) continue;
        for (char *p = name; *p; p++) *p = (char)(isalnum((unsigned char)*p) ? toupper((unsigned char)*p) : '_');
        const char *v = getenv(name);
        if (v) config_set(cfg, cfg->entries[i].decl->section, cfg->entries[i].decl->key, v);
    }
}

int config_load(config_t *cfg, const char *path, char *err, size_t errlen)
{
    if (errlen) err[0] = '\0';
    if (path) {
        FILE *f = fopen(path, "r");
        if (!f) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            return -1;
        }
        load_ctx ctx = {cfg, err, errlen, 0, 0};
        int rc = ini_parse_file(f, on_ini, &ctx);
        fclose(f);
        if (ctx.failed) {
            char tmp[512];
            snprintf(tmp, sizeof tmp, "%s: %s", path, err);
            snprintf(err, errlen, "%s", tmp);
            return -1;
        }
        if (rc != 0) {
            snprintf(err, errlen, "%s: syntax error at line %d", path, rc);
            return -1;
        }
    }
    config_apply_env(cfg);
    return 0;
}

const char *config_get(const config_t *cfg, const char *section, const char *key)
{
    config_entry *e = find(cfg, section, key);
    if (!e) {
        LOG_ERRORF("config", "undeclared setting requested", "section=%s key=%s", section, key);
        abort();
    }
    return e->value;
}

long config_get_long(const config_t *cfg, const char *section, const char *key, long min, long max, bool *ok)
{
    const char *v = config_get(cfg, section, key);
    char *end = NULL;
    errno = 0;
    long n = v ? strtol(v, &end, 10) : 0;
    bool good = v && *v && end && *end == '\0' && errno == 0 && n >= min && n <= max;
    if (ok) *ok = good;
    return good ? n : -1;
}

bool config_get_bool(const config_t *cfg, const char *section, const char *key)
{
    const char *v = config_get(cfg, section, key);
    return v && (strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0 || strcasecmp(v, "on") == 0 ||
                 strcmp(v, "1") == 0);
}

const config_setting *config_setting_at(const config_t *cfg, size_t i)
{
    return i < cfg->n ? cfg->entries[i].decl : NULL;
}
