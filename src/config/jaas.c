/* Parser for the `sasl.jaas.config` client setting, following the tokenizer
 * rules Kafka's Java client uses (StreamTokenizer with word characters
 * [A-Za-z0-9._$-] and bytes >= 0x80, quote characters ' and ", whitespace for
 * bytes <= 0x20, // and slash-star comments). mm2.c uses it to turn
 * Plain/SCRAM/Kerberos login modules into librdkafka settings. */
#include "config/jaas.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "core/sbuf.h"

typedef enum { TOK_EOF, TOK_WORD, TOK_STRING, TOK_CHAR } tok_kind_t;

typedef struct lexer {
    const char *s;
    size_t pos;
    tok_kind_t kind;
    char ch;      /* TOK_CHAR: the character ('=', ';', ...) */
    sbuf_t text;  /* TOK_WORD / TOK_STRING: the decoded text */
    size_t start; /* 1-based character position of the token, for messages */
} lexer_t;

static bool is_word_char(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == '_' || c == '$' || c >= 0x80;
}

/* Skips whitespace and comments. Like StreamTokenizer, an unterminated
 * slash-star comment runs to the end of the text, and a lone '/' swallows the
 * character after it and then the rest of that line. */
static void skip_space(lexer_t *lx) {
    for (;;) {
        unsigned char c = (unsigned char)lx->s[lx->pos];
        if (c != '\0' && c <= ' ') {
            lx->pos++;
        } else if (c == '/' && lx->s[lx->pos + 1] == '*') {
            const char *end = strstr(lx->s + lx->pos + 2, "*/");
            lx->pos = end ? (size_t)(end - lx->s) + 2 : strlen(lx->s);
        } else if (c == '/') {
            lx->pos++;
            if (lx->s[lx->pos] != '\0') lx->pos++;
            while (lx->s[lx->pos] && lx->s[lx->pos] != '\n' && lx->s[lx->pos] != '\r') lx->pos++;
        } else {
            return;
        }
    }
}

/* Decodes one escape after a backslash inside a quoted string (the backslash
 * is at s[pos - 1]); advances pos. */
static char quoted_escape(lexer_t *lx) {
    char c = lx->s[lx->pos++];
    switch (c) {
    case 'a': return '\a';
    case 'b': return '\b';
    case 'f': return '\f';
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    case 'v': return '\v';
    default: break;
    }
    if (c < '0' || c > '7') return c;
    /* Octal: up to three digits when the first is 0-3, else up to two. */
    int v = c - '0', max = c <= '3' ? 2 : 1;
    for (int k = 0; k < max && lx->s[lx->pos] >= '0' && lx->s[lx->pos] <= '7'; k++)
        v = v * 8 + (lx->s[lx->pos++] - '0');
    return (char)v;
}

/* Reads the next token. */
static void next_token(lexer_t *lx) {
    skip_space(lx);
    sbuf_reset(&lx->text);
    sbuf_append(&lx->text, "", 0);
    lx->start = lx->pos + 1;
    char c = lx->s[lx->pos];
    if (c == '\0') {
        lx->kind = TOK_EOF;
        return;
    }
    if (is_word_char((unsigned char)c)) {
        size_t b = lx->pos;
        while (is_word_char((unsigned char)lx->s[lx->pos])) lx->pos++;
        sbuf_append(&lx->text, lx->s + b, lx->pos - b);
        lx->kind = TOK_WORD;
        return;
    }
    lx->pos++;
    if (c == '"' || c == '\'') { /* ends at the closing quote, a line end or the end of text */
        for (;;) {
            char d = lx->s[lx->pos];
            if (d == '\0' || d == '\n' || d == '\r') break;
            lx->pos++;
            if (d == c) break;
            if (d == '\\' && lx->s[lx->pos] != '\0') d = quoted_escape(lx);
            sbuf_append(&lx->text, &d, 1);
        }
        lx->kind = TOK_STRING;
        return;
    }
    lx->kind = TOK_CHAR;
    lx->ch = c;
}

static bool is_text(const lexer_t *lx) { return lx->kind == TOK_WORD || lx->kind == TOK_STRING; }

static bool is_char(const lexer_t *lx, char c) { return lx->kind == TOK_CHAR && lx->ch == c; }

static void add_option(jaas_t *j, const char *name, const char *value) {
    j->options = xrealloc(j->options, (j->n_options + 1) * sizeof *j->options);
    j->options[j->n_options].name = xstrdup(name);
    j->options[j->n_options].value = xstrdup(value);
    j->n_options++;
}

/* Parses one entry; the current token is its first. */
static int parse_entry(lexer_t *lx, jaas_t *j, char *err, size_t errsz) {
    static const char *const flags[] = {"required", "requisite", "sufficient", "optional"};
    if (!is_text(lx)) {
        snprintf(err, errsz, "expected a login module class at character %zu", lx->start);
        return -1;
    }
    j->module = xstrdup(lx->text.s);
    next_token(lx);
    bool flag_ok = false;
    for (size_t i = 0; is_text(lx) && i < sizeof flags / sizeof flags[0]; i++)
        flag_ok = flag_ok || strcasecmp(lx->text.s, flags[i]) == 0;
    if (!flag_ok) {
        snprintf(err, errsz,
                 "expected a control flag (required, requisite, sufficient or optional) at "
                 "character %zu",
                 lx->start);
        return -1;
    }
    j->flag = xstrdup(lx->text.s);
    for (;;) {
        next_token(lx);
        if (is_char(lx, ';')) return 0;
        if (lx->kind == TOK_EOF) {
            snprintf(err, errsz, "the login module entry is not terminated by ';'");
            return -1;
        }
        if (!is_text(lx)) {
            snprintf(err, errsz, "expected an option name at character %zu", lx->start);
            return -1;
        }
        char *name = xstrdup(lx->text.s);
        size_t name_at = lx->start;
        next_token(lx);
        bool eq = is_char(lx, '=');
        if (eq) next_token(lx);
        if (!eq || !is_text(lx)) {
            snprintf(err, errsz, "the option at character %zu needs '=' and a value", name_at);
            free(name);
            return -1;
        }
        add_option(j, name, lx->text.s);
        free(name);
    }
}

int jaas_parse(const char *text, jaas_t *out, char *err, size_t errsz) {
    lexer_t lx = {.s = text};
    int rc = -1, entries = 0;
    for (;;) {
        next_token(&lx);
        if (lx.kind == TOK_EOF) {
            if (entries == 0) snprintf(err, errsz, "no login module is specified");
            else rc = 0;
            break;
        }
        if (++entries > 1) {
            snprintf(err, errsz, "contains more than one login module; exactly one is allowed");
            break;
        }
        if (parse_entry(&lx, out, err, errsz)) break;
    }
    sbuf_free(&lx.text);
    if (rc) jaas_clear(out);
    return rc;
}

const char *jaas_option(const jaas_t *j, const char *name) {
    for (size_t i = j->n_options; i-- > 0;)
        if (strcmp(j->options[i].name, name) == 0) return j->options[i].value;
    return NULL;
}

const char *jaas_module_simple_name(const jaas_t *j) {
    const char *dot = strrchr(j->module, '.');
    return dot ? dot + 1 : j->module;
}

void jaas_clear(jaas_t *j) {
    free(j->module);
    free(j->flag);
    for (size_t i = 0; i < j->n_options; i++) {
        free(j->options[i].name);
        if (j->options[i].value) OPENSSL_cleanse(j->options[i].value, strlen(j->options[i].value));
        free(j->options[i].value);
    }
    free(j->options);
    memset(j, 0, sizeof *j);
}
