/*
 * certcache.c - bounded LRU cache of parsed certificates (with their
 * last validation) and parsed CRLs, keyed by the SHA-256 of their DER
 * (certcache.h).  A hash table of chains for the lookup, a doubly linked
 * list for the recency order.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "certcache.h"

struct entry {
	uint8_t d[CERTCACHE_DIGEST_LEN];
	X509 *cert;		/* one of cert and crl */
	X509_CRL *crl;
	bool validated;
	uint8_t vkey[CERTCACHE_DIGEST_LEN];
	int64_t v_from, v_until;	/* seconds: [from, until) */
	struct entry *hnext;		/* hash chain */
	struct entry *prev, *next;	/* recency: head is the newest */
};

struct certcache {
	pthread_mutex_t mu;
	struct entry **tab;
	size_t nbuckets;	/* a power of two */
	size_t n, max;
	unsigned ttl_s;
	struct entry *head, *tail;
	unsigned long hits, misses;
};

struct certcache *
certcache_new(size_t max_entries, unsigned ttl_s)
{
	struct certcache *c;

	if (max_entries < 1 || (c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->nbuckets = 16;
	while (c->nbuckets < max_entries && c->nbuckets < ((size_t)1 << 24))
		c->nbuckets <<= 1;
	if ((c->tab = calloc(c->nbuckets, sizeof(*c->tab))) == NULL) {
		free(c);
		return NULL;
	}
	pthread_mutex_init(&c->mu, NULL);
	c->max = max_entries;
	c->ttl_s = ttl_s;
	return c;
}

static void
entry_free(struct entry *e)
{
	X509_free(e->cert);
	X509_CRL_free(e->crl);
	free(e);
}

void
certcache_free(struct certcache *c)
{
	struct entry *e, *next;

	if (c == NULL)
		return;
	for (e = c->head; e; e = next) {
		next = e->next;
		entry_free(e);
	}
	pthread_mutex_destroy(&c->mu);
	free(c->tab);
	free(c);
}

/* The digest is uniformly distributed: its first octets are the hash. */
static size_t
bucket(const struct certcache *c, const uint8_t *d)
{
	size_t h = (size_t)d[0] | (size_t)d[1] << 8 | (size_t)d[2] << 16 |
	    (size_t)d[3] << 24;

	return h & (c->nbuckets - 1);
}

static void
lru_unlink(struct certcache *c, struct entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		c->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		c->tail = e->prev;
	e->prev = e->next = NULL;
}

static void
lru_front(struct certcache *c, struct entry *e)
{
	e->next = c->head;
	if (c->head)
		c->head->prev = e;
	c->head = e;
	if (c->tail == NULL)
		c->tail = e;
}

/* Find d (of kind: cert when want_cert) and make it the newest. */
static struct entry *
find(struct certcache *c, const uint8_t *d, bool want_cert)
{
	struct entry *e;

	for (e = c->tab[bucket(c, d)]; e; e = e->hnext)
		if (memcmp(e->d, d, CERTCACHE_DIGEST_LEN) == 0 &&
		    (e->cert != NULL) == want_cert) {
			lru_unlink(c, e);
			lru_front(c, e);
			return e;
		}
	return NULL;
}

static void
evict_oldest(struct certcache *c)
{
	struct entry *e = c->tail, **pp;

	if (e == NULL)
		return;
	lru_unlink(c, e);
	for (pp = &c->tab[bucket(c, e->d)]; *pp; pp = &(*pp)->hnext)
		if (*pp == e) {
			*pp = e->hnext;
			break;
		}
	c->n--;
	entry_free(e);
}

/* Insert a new entry for d (the caller checked it is absent). */
static struct entry *
insert(struct certcache *c, const uint8_t *d)
{
	struct entry *e;
	size_t b;

	while (c->n >= c->max)
		evict_oldest(c);
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	memcpy(e->d, d, CERTCACHE_DIGEST_LEN);
	b = bucket(c, d);
	e->hnext = c->tab[b];
	c->tab[b] = e;
	lru_front(c, e);
	c->n++;
	return e;
}

X509 *
certcache_cert_get(struct certcache *c, const uint8_t d[CERTCACHE_DIGEST_LEN],
    const uint8_t vkey[CERTCACHE_DIGEST_LEN], int64_t at, bool *valid)
{
	struct entry *e;
	X509 *x = NULL;

	*valid = false;
	pthread_mutex_lock(&c->mu);
	if ((e = find(c, d, true)) != NULL && X509_up_ref(e->cert)) {
		x = e->cert;
		*valid = e->validated && memcmp(e->vkey, vkey,
		    CERTCACHE_DIGEST_LEN) == 0 && at >= e->v_from &&
		    at < e->v_until;
	}
	pthread_mutex_unlock(&c->mu);
	return x;
}

void
certcache_cert_put(struct certcache *c, const uint8_t d[CERTCACHE_DIGEST_LEN],
    X509 *cert)
{
	struct entry *e;

	pthread_mutex_lock(&c->mu);
	if (find(c, d, true) == NULL && X509_up_ref(cert)) {
		if ((e = insert(c, d)) != NULL)
			e->cert = cert;
		else
			X509_free(cert);
	}
	pthread_mutex_unlock(&c->mu);
}

void
certcache_cert_validated(struct certcache *c,
    const uint8_t d[CERTCACHE_DIGEST_LEN],
    const uint8_t vkey[CERTCACHE_DIGEST_LEN], int64_t at, int64_t until)
{
	struct entry *e;

	if (c->ttl_s == 0)
		return;
	if (until > at + (int64_t)c->ttl_s)
		until = at + (int64_t)c->ttl_s;
	pthread_mutex_lock(&c->mu);
	if ((e = find(c, d, true)) != NULL && until > at) {
		memcpy(e->vkey, vkey, CERTCACHE_DIGEST_LEN);
		e->v_from = at;
		e->v_until = until;
		e->validated = true;
	}
	pthread_mutex_unlock(&c->mu);
}

X509_CRL *
certcache_crl_get(struct certcache *c, const uint8_t d[CERTCACHE_DIGEST_LEN])
{
	struct entry *e;
	X509_CRL *x = NULL;

	pthread_mutex_lock(&c->mu);
	if ((e = find(c, d, false)) != NULL && X509_CRL_up_ref(e->crl))
		x = e->crl;
	pthread_mutex_unlock(&c->mu);
	return x;
}

void
certcache_crl_put(struct certcache *c, const uint8_t d[CERTCACHE_DIGEST_LEN],
    X509_CRL *crl)
{
	struct entry *e;

	pthread_mutex_lock(&c->mu);
	if (find(c, d, false) == NULL && X509_CRL_up_ref(crl)) {
		if ((e = insert(c, d)) != NULL)
			e->crl = crl;
		else
			X509_CRL_free(crl);
	}
	pthread_mutex_unlock(&c->mu);
}

void
certcache_count(struct certcache *c, bool hit)
{
	pthread_mutex_lock(&c->mu);
	if (hit)
		c->hits++;
	else
		c->misses++;
	pthread_mutex_unlock(&c->mu);
}

void
certcache_stats(struct certcache *c, struct certcache_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (c == NULL)
		return;
	pthread_mutex_lock(&c->mu);
	st->hits = c->hits;
	st->misses = c->misses;
	st->entries = c->n;
	pthread_mutex_unlock(&c->mu);
}
