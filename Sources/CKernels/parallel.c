// A small fork-join pool for the kernels' parallel loops. Waking sleeping threads (as Dispatch's
// concurrentPerform does) costs tens of microseconds per loop, as much as a whole product of a small model;
// these workers spin briefly between loops, so back-to-back loops of one forward pass start at once.
// One loop runs at a time: a caller that finds the pool busy (another forward pass in another thread) runs
// its chunks itself, which is also the right split when every core already has a forward pass.
#include "CKernels.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define RELAX() _mm_pause()
#else
#define RELAX() ((void)0)
#endif

enum { MAX_WORKERS = 63, SPIN_ROUNDS = 20000 };

// A loop's state is one 64-bit word, so a worker can never take a chunk of a loop that has ended:
// bits 40-63 the loop's number, 20-39 its chunk count, 0-19 the next chunk to take.
#define LOOP(t) ((t) >> 40)
#define CHUNKS(t) (((t) >> 20) & 0xFFFFF)
#define INDEX(t) ((t) & 0xFFFFF)

static struct {
    pthread_mutex_t busy;        // held by the caller of the running loop
    pthread_mutex_t sleep_lock;  // with `wake`: where idle workers block after spinning
    pthread_cond_t wake;
    atomic_ullong ticket;
    atomic_int finished;         // chunks of the running loop done
    atomic_int sleepers;
    int workers;                 // started so far
    unsigned long long loops;    // loops started (the caller's copy, under `busy`)
    void (*body)(void *, int);   // written only while no chunk of a loop is outstanding
    void *context;
} pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER};

// Takes and runs chunks of loop `loop` until none is left.
static void run_chunks(unsigned long long loop) {
    unsigned long long t = atomic_load_explicit(&pool.ticket, memory_order_acquire);
    while (LOOP(t) == loop && INDEX(t) < CHUNKS(t)) {
        if (atomic_compare_exchange_weak_explicit(&pool.ticket, &t, t + 1, memory_order_acq_rel,
                                                  memory_order_acquire)) {
            // The loop cannot end before this chunk is counted: body and context are its own.
            pool.body(pool.context, (int)INDEX(t));
            atomic_fetch_add_explicit(&pool.finished, 1, memory_order_release);
            t = atomic_load_explicit(&pool.ticket, memory_order_acquire);
        }
    }
}

static void *worker(void *unused) {
    (void)unused;
    unsigned long long seen = LOOP(atomic_load(&pool.ticket));
    for (;;) {
        unsigned long long loop;
        int spins = 0;
        while ((loop = LOOP(atomic_load_explicit(&pool.ticket, memory_order_acquire))) == seen) {
            if (++spins < SPIN_ROUNDS) {
                RELAX();
                continue;
            }
            pthread_mutex_lock(&pool.sleep_lock);
            atomic_fetch_add(&pool.sleepers, 1);
            while (LOOP(atomic_load(&pool.ticket)) == seen) pthread_cond_wait(&pool.wake, &pool.sleep_lock);
            atomic_fetch_sub(&pool.sleepers, 1);
            pthread_mutex_unlock(&pool.sleep_lock);
        }
        seen = loop;
        run_chunks(loop);
    }
    return 0;
}

void bertd_parallel_for(int chunks, void (*body)(void *context, int index), void *context) {
    if (chunks <= 1 || chunks > 0xFFFFF || pthread_mutex_trylock(&pool.busy) != 0) {
        for (int index = 0; index < chunks; index++) body(context, index);
        return;
    }
    int wanted = chunks - 1 < MAX_WORKERS ? chunks - 1 : MAX_WORKERS;
    while (pool.workers < wanted) {
        pthread_t thread;
        pthread_attr_t attributes;
        pthread_attr_init(&attributes);
        pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
        int failed = pthread_create(&thread, &attributes, worker, 0);
        pthread_attr_destroy(&attributes);
        if (failed) break;  // fewer helpers: the caller and the others take more chunks
        pool.workers++;
    }
    pool.body = body;
    pool.context = context;
    atomic_store_explicit(&pool.finished, 0, memory_order_relaxed);
    unsigned long long loop = ++pool.loops & 0xFFFFFF;
    // Sequentially consistent, so the sleepers count below is read after it (no wake-up is lost; one
    // that were would only cost parallelism: the caller takes every chunk no worker takes).
    atomic_store(&pool.ticket, (loop << 40) | ((unsigned long long)chunks << 20));
    if (atomic_load(&pool.sleepers) > 0) {
        pthread_mutex_lock(&pool.sleep_lock);
        pthread_cond_broadcast(&pool.wake);
        pthread_mutex_unlock(&pool.sleep_lock);
    }
    run_chunks(loop);
    while (atomic_load_explicit(&pool.finished, memory_order_acquire) < chunks) RELAX();
    pthread_mutex_unlock(&pool.busy);
}
