//! Small components the views share.

pub mod copy_button;
pub mod dialog;
pub mod error_box;
pub mod json_view;
pub mod virtual_list;
