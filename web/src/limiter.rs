//! A queue of jobs run at most N at a time: which key to start next, and which are done.

use std::collections::{HashSet, VecDeque};
use std::hash::Hash;

/// Jobs keyed by `K`, each asked for at most once, at most `limit` running at a time.
#[derive(Debug)]
pub struct Limiter<K> {
    limit: usize,
    queue: VecDeque<K>,
    seen: HashSet<K>,
    running: usize,
}

impl<K: Clone + Eq + Hash> Limiter<K> {
    /// A limiter running at most `limit` jobs (at least 1) at a time.
    pub fn new(limit: usize) -> Limiter<K> {
        Limiter {
            limit: limit.max(1),
            queue: VecDeque::new(),
            seen: HashSet::new(),
            running: 0,
        }
    }

    /// Queues `key` unless it was asked for before; true when queued.
    pub fn request(&mut self, key: K) -> bool {
        if self.seen.insert(key.clone()) {
            self.queue.push_back(key);
            true
        } else {
            false
        }
    }

    /// The next key to start, if one is queued and fewer than the limit are running; the
    /// caller must call [`Limiter::finished`] when that job ends.
    pub fn start_next(&mut self) -> Option<K> {
        if self.running >= self.limit {
            return None;
        }
        let key = self.queue.pop_front()?;
        self.running += 1;
        Some(key)
    }

    /// Marks one started job as ended.
    pub fn finished(&mut self) {
        self.running = self.running.saturating_sub(1);
    }

    /// Jobs running now.
    pub fn running(&self) -> usize {
        self.running
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn at_most_limit_running_each_key_once() {
        let mut l = Limiter::new(4);
        for i in 0..10 {
            assert!(l.request(i));
        }
        assert!(!l.request(3));
        let started: Vec<i32> = std::iter::from_fn(|| l.start_next()).collect();
        assert_eq!(started, [0, 1, 2, 3]);
        assert_eq!(l.running(), 4);
        assert_eq!(l.start_next(), None);
        l.finished();
        assert_eq!(l.start_next(), Some(4));
        let mut peak = l.running();
        while l.running() > 0 {
            l.finished();
            while l.start_next().is_some() {}
            peak = peak.max(l.running());
        }
        assert!(l.queue.is_empty());
        assert_eq!(peak, 4);
        assert!(!l.request(9));
    }
}
