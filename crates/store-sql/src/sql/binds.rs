//! Placeholders for statements written as text whose assignments vary (an UPDATE setting only
//! the fields given): each value pushed gets the next `$n`, numbered on from the values the
//! surrounding statement binds first. Listings are built with sea-query instead (`filters.rs`).

use sqlx::any::AnyArguments;
use sqlx::query::Query;

/// A value to bind, in placeholder order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Bind {
    Text(String),
    Int(i64),
}

/// Collects bound values and hands out their placeholders (`$n`).
pub(crate) struct Binds {
    values: Vec<Bind>,
    first: usize,
}

impl Binds {
    /// `already` values are bound before these.
    pub fn after(already: usize) -> Self {
        Self { values: Vec::new(), first: already }
    }

    pub fn push(&mut self, value: Bind) -> String {
        self.values.push(value);
        format!("${}", self.first + self.values.len())
    }

    pub fn apply<'q>(&self, mut query: Query<'q, sqlx::Any, AnyArguments>) -> Query<'q, sqlx::Any, AnyArguments> {
        for value in &self.values {
            query = match value {
                Bind::Text(s) => query.bind(s.clone()),
                Bind::Int(i) => query.bind(*i),
            };
        }
        query
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_number_on_from_the_values_bound_first() {
        let mut binds = Binds::after(2);
        assert_eq!(binds.push(Bind::Text("a".into())), "$3");
        assert_eq!(binds.push(Bind::Int(1)), "$4");
        assert_eq!(binds.values, vec![Bind::Text("a".into()), Bind::Int(1)]);
    }
}
