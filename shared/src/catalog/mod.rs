//! The catalog of services of the chamber system: categories, services,
//! providers and the FAQ.
