/*
 * ldapcache.c - bounded LRU cache with a TTL per entry (ldapcache.h).
 * A chained hash table (FNV-1a over the key) for lookups and a doubly
 * linked list in recency order for eviction; one mutex around both.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "ldapcache.h"

struct centry {
	struct centry *hnext;		/* hash chain */
	struct centry *prev, *next;	/* recency: head = most recent */
	char *key;
	uint32_t hash;
	int status;
	int64_t expires_ms;
	struct ldapcache_values vals;
};

struct ldapcache {
	pthread_mutex_t mu;
	struct centry **table;
	size_t nbuckets;		/* power of two */
	size_t count, max;
	struct centry *head, *tail;
};

void
ldapcache_values_free(struct ldapcache_values *v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < v->n && i < LDAPCACHE_MAX_VALUES; i++)
		free(v->der[i]);
	memset(v, 0, sizeof(*v));
}

int
ldapcache_values_add(struct ldapcache_values *v, const uint8_t *p, size_t len)
{
	uint8_t *copy;

	if (v->n >= LDAPCACHE_MAX_VALUES)
		return STK_E_TOO_LONG;
	if ((copy = malloc(len > 0 ? len : 1)) == NULL)
		return STK_E_NOMEM;
	if (len > 0)
		memcpy(copy, p, len);
	v->der[v->n] = copy;
	v->len[v->n] = len;
	v->n++;
	return STK_OK;
}

int
ldapcache_values_copy(struct ldapcache_values *dst,
    const struct ldapcache_values *src)
{
	size_t i;
	int rv;

	memset(dst, 0, sizeof(*dst));
	if (src == NULL)
		return STK_OK;
	for (i = 0; i < src->n && i < LDAPCACHE_MAX_VALUES; i++) {
		if ((rv = ldapcache_values_add(dst, src->der[i], src->len[i]))
		    != STK_OK) {
			ldapcache_values_free(dst);
			return rv;
		}
	}
	return STK_OK;
}

static uint32_t
fnv1a(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++) {
		h ^= (uint8_t)*s;
		h *= 16777619u;
	}
	return h;
}

int
ldapcache_new(size_t max_entries, struct ldapcache **out)
{
	struct ldapcache *c;
	size_t nb = 16;

	*out = NULL;
	if (max_entries == 0 || max_entries > (SIZE_MAX / 4) /
	    sizeof(struct centry *))
		return STK_E_ARG;
	while (nb < max_entries * 2)
		nb <<= 1;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return STK_E_NOMEM;
	if ((c->table = calloc(nb, sizeof(*c->table))) == NULL) {
		free(c);
		return STK_E_NOMEM;
	}
	if (pthread_mutex_init(&c->mu, NULL) != 0) {
		free(c->table);
		free(c);
		return STK_E_NOMEM;
	}
	c->nbuckets = nb;
	c->max = max_entries;
	*out = c;
	return STK_OK;
}

static void
entry_free(struct centry *e)
{
	if (e == NULL)
		return;
	ldapcache_values_free(&e->vals);
	free(e->key);
	free(e);
}

/* Unlink e from its chain and the recency list and free it (mu held). */
static void
remove_entry(struct ldapcache *c, struct centry *e)
{
	struct centry **pp = &c->table[e->hash & (c->nbuckets - 1)];

	while (*pp != NULL && *pp != e)
		pp = &(*pp)->hnext;
	if (*pp == e)
		*pp = e->hnext;
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		c->head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		c->tail = e->prev;
	c->count--;
	entry_free(e);
}

static struct centry *
find(struct ldapcache *c, const char *key, uint32_t h)
{
	struct centry *e;

	for (e = c->table[h & (c->nbuckets - 1)]; e != NULL; e = e->hnext)
		if (e->hash == h && strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

static void
move_to_front(struct ldapcache *c, struct centry *e)
{
	if (c->head == e)
		return;
	/* unlink */
	e->prev->next = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		c->tail = e->prev;
	/* push front */
	e->prev = NULL;
	e->next = c->head;
	c->head->prev = e;
	c->head = e;
}

int
ldapcache_put(struct ldapcache *c, const char *key, int status,
    const struct ldapcache_values *vals, int64_t now_ms, uint64_t ttl_ms)
{
	struct centry *e = NULL, *old;
	size_t klen;
	uint32_t h;
	int rv;

	if (c == NULL || key == NULL)
		return STK_E_ARG;
	klen = strlen(key);
	if (klen == 0 || klen > LDAPCACHE_KEY_MAX || now_ms < 0)
		return STK_E_ARG;
	if (ttl_ms == 0)
		return STK_OK;
	if ((e = calloc(1, sizeof(*e))) == NULL ||
	    (e->key = strdup(key)) == NULL) {
		entry_free(e);
		return STK_E_NOMEM;
	}
	if ((rv = ldapcache_values_copy(&e->vals, vals)) != STK_OK) {
		entry_free(e);
		return rv;
	}
	e->hash = h = fnv1a(key);
	e->status = status;
	e->expires_ms = ttl_ms > (uint64_t)(INT64_MAX - now_ms) ? INT64_MAX :
	    now_ms + (int64_t)ttl_ms;

	pthread_mutex_lock(&c->mu);
	if ((old = find(c, key, h)) != NULL)
		remove_entry(c, old);
	while (c->count >= c->max && c->tail != NULL)
		remove_entry(c, c->tail);
	e->hnext = c->table[h & (c->nbuckets - 1)];
	c->table[h & (c->nbuckets - 1)] = e;
	e->next = c->head;
	if (c->head != NULL)
		c->head->prev = e;
	c->head = e;
	if (c->tail == NULL)
		c->tail = e;
	c->count++;
	pthread_mutex_unlock(&c->mu);
	return STK_OK;
}

int
ldapcache_get(struct ldapcache *c, const char *key, int64_t now_ms,
    int *status, struct ldapcache_values *vals)
{
	struct centry *e;
	int rv = STK_E_NOT_FOUND;

	memset(vals, 0, sizeof(*vals));
	if (c == NULL || key == NULL)
		return STK_E_NOT_FOUND;
	pthread_mutex_lock(&c->mu);
	e = find(c, key, fnv1a(key));
	if (e == NULL)
		goto out;
	if (now_ms >= e->expires_ms) {
		remove_entry(c, e);
		goto out;
	}
	if ((rv = ldapcache_values_copy(vals, &e->vals)) != STK_OK)
		goto out;
	*status = e->status;
	move_to_front(c, e);
	rv = STK_OK;
out:
	pthread_mutex_unlock(&c->mu);
	return rv;
}

void
ldapcache_del(struct ldapcache *c, const char *key)
{
	struct centry *e;

	if (c == NULL || key == NULL)
		return;
	pthread_mutex_lock(&c->mu);
	if ((e = find(c, key, fnv1a(key))) != NULL)
		remove_entry(c, e);
	pthread_mutex_unlock(&c->mu);
}

void
ldapcache_clear(struct ldapcache *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&c->mu);
	while (c->head != NULL)
		remove_entry(c, c->head);
	pthread_mutex_unlock(&c->mu);
}

size_t
ldapcache_count(struct ldapcache *c)
{
	size_t n;

	if (c == NULL)
		return 0;
	pthread_mutex_lock(&c->mu);
	n = c->count;
	pthread_mutex_unlock(&c->mu);
	return n;
}

void
ldapcache_free(struct ldapcache *c)
{
	if (c == NULL)
		return;
	ldapcache_clear(c);
	pthread_mutex_destroy(&c->mu);
	free(c->table);
	free(c);
}
