//! Listings that page by key ("keyset" or cursor paging): each page starts after the key of
//! the last item of the previous one, so any page costs what the first one does, and inserts
//! or deletes between pages neither skip nor repeat the items that stay.

/// One page of such a listing, and whether more items follow it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPage<T> {
    pub items: Vec<T>,
    pub more: bool,
}

impl<T> KeyPage<T> {
    /// A page of at most `limit` items from `read`, which holds one more when more follow
    /// (read `limit + 1` to know without another query).
    pub fn from_read(mut read: Vec<T>, limit: i64) -> Self {
        let limit = usize::try_from(limit).unwrap_or(0);
        let more = read.len() > limit;
        read.truncate(limit);
        Self { items: read, more }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_more_read_tells_that_more_follow() {
        assert_eq!(KeyPage::from_read(vec![1, 2, 3], 2), KeyPage { items: vec![1, 2], more: true });
        assert_eq!(KeyPage::from_read(vec![1, 2], 2), KeyPage { items: vec![1, 2], more: false });
        assert_eq!(KeyPage::from_read(Vec::<i32>::new(), 2), KeyPage { items: vec![], more: false });
    }
}
