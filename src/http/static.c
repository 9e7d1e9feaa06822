/* Static files of the web UI from [http] web_root. Only regular files inside web_root are
 * served: no "..", no hidden segments, and the resolved path (symlinks followed) must stay
 * under web_root. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http/http_internal.h"

#define STATIC_MAX_BYTES (32u * 1024u * 1024u)

static const char *content_type(const char *path)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"},  {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
        {".json", "application/json; charset=utf-8"}, {".svg", "image/svg+xml"},
        {".png", "image/png"}, {".jpg", "image/jpeg"}, {".ico", "image/x-icon"},
        {".woff2", "font/woff2"}, {".txt", "text/plain; charset=utf-8"}, {".pdf", "application/pdf"},
    };
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (dot && (!slash || dot > slash))
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (strcmp(dot, types[i].ext) == 0) return types[i].type;
    return "application/octet-stream";
}

/* True when the URL path is acceptable: absolute, no "." / ".." / hidden segments, no
 * backslash or control characters, no empty segment except a final "/". */
static bool safe_path(const char *p)
{
    if (p[0] != '/' || strlen(p) > 1024) return false;
    for (const char *c = p; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == '\\' || *c == 0x7f) return false;
    const char *seg = p + 1;
    while (*seg) {
        const char *end = strchr(seg, '/');
        size_t len = end ? (size_t)(end - seg) : strlen(seg);
        if (len == 0 && end) return false; /* "//" */
        if (len > 0 && seg[0] == '.') return false;
        if (!end) break;
        seg = end + 1;
    }
    return true;
}

static void not_found(http_response *resp)
{
    http_fail(resp, HE_NOT_FOUND, NULL, "Page introuvable.");
}

void http_static_serve(const http_options *opt, const char *path, http_response *resp)
{
    if (!opt->web_root[0] || !safe_path(path)) {
        not_found(resp);
        return;
    }
    char joined[PATH_MAX];
    size_t plen = strlen(path);
    int w = snprintf(joined, sizeof joined, "%s%s%s", opt->web_root, path, path[plen - 1] == '/' ? "index.html" : "");
    if (w < 0 || (size_t)w >= sizeof joined) {
        not_found(resp);
        return;
    }
    char real[PATH_MAX];
    if (!realpath(joined, real)) {
        not_found(resp);
        return;
    }
    size_t rl = strlen(opt->web_root);
    if (strncmp(real, opt->web_root, rl) != 0 || real[rl] != '/') {
        not_found(resp);
        return;
    }
    struct stat st;
    if (stat(real, &st) != 0 || S_ISDIR(st.st_mode)) {
        /* "/agenda" -> "/agenda/index.html" is not guessed: links use the trailing slash. */
        not_found(resp);
        return;
    }
    if (!S_ISREG(st.st_mode) || (uintmax_t)st.st_size > STATIC_MAX_BYTES) {
        not_found(resp);
        return;
    }
    int fd = open(real, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        not_found(resp);
        return;
    }
    size_t size = (size_t)st.st_size;
    char *data = malloc(size ? size : 1);
    size_t got = 0;
    while (data && got < size) {
        ssize_t r = read(fd, data + got, size - got);
        if (r <= 0) break;
        got += (size_t)r;
    }
    close(fd);
    if (!data || got != size) {
        free(data);
        http_fail(resp, HE_INTERNAL, NULL, "Lecture du fichier impossible.");
        return;
    }
    http_set_json(resp, 200, NULL);
    resp->raw = data;
    resp->raw_len = size;
    resp->raw_type = content_type(real);
    http_add_header(resp, "Cache-Control", "no-cache");
}
