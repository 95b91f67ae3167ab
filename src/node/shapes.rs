//! Result shapes shared by the SDK functions (contacts, companies, catalogs, links, tags, tasks,
//! notes, account), built by macros so every `list*`, `search*`, `get*` and write result has the same fields and the same
//! failure form as the original package (`{ success: false, <list>: [], error }`).

/// `{ success, <field>: T[], totalFound, page, totalPages?, hasMore, nextPage?, capped?, error? }`
macro_rules! list_result {
    ($name:ident, $field:ident, $ty:ty) => {
        #[derive(Debug, serde::Serialize)]
        #[serde(rename_all = "camelCase")]
        pub struct $name {
            pub success: bool,
            pub $field: Vec<$ty>,
            /// Items in this result.
            pub total_found: usize,
            pub page: u32,
            #[serde(skip_serializing_if = "Option::is_none")]
            pub total_pages: Option<u32>,
            pub has_more: bool,
            #[serde(skip_serializing_if = "Option::is_none")]
            pub next_page: Option<u32>,
            #[serde(skip_serializing_if = "std::ops::Not::not")]
            pub capped: bool,
            /// Set when some filters were applied to the returned page(s) because Kommo has no such filter.
            #[serde(skip_serializing_if = "Option::is_none")]
            pub note: Option<String>,
            #[serde(skip_serializing_if = "Option::is_none")]
            pub error: Option<String>,
        }

        impl $crate::node::args::Failure for $name {
            fn failure(error: String) -> Self {
                $name {
                    success: false,
                    $field: Vec::new(),
                    total_found: 0,
                    page: 1,
                    total_pages: None,
                    has_more: false,
                    next_page: None,
                    capped: false,
                    note: None,
                    error: Some(error),
                }
            }
        }

        impl From<$crate::api::list::Listing<$ty>> for $name {
            fn from(l: $crate::api::list::Listing<$ty>) -> Self {
                $name {
                    success: true,
                    total_found: l.items.len(),
                    page: l.page,
                    total_pages: l.page_count,
                    has_more: l.has_more(),
                    next_page: l.next_page,
                    capped: l.capped,
                    $field: l.items,
                    note: None,
                    error: None,
                }
            }
        }
    };
}

/// `{ success, <field>: T[], totalFound, error? }`
macro_rules! search_result {
    ($name:ident, $field:ident, $ty:ty) => {
        #[derive(Debug, serde::Serialize)]
        #[serde(rename_all = "camelCase")]
        pub struct $name {
            pub success: bool,
            pub $field: Vec<$ty>,
            pub total_found: usize,
            #[serde(skip_serializing_if = "Option::is_none")]
            pub error: Option<String>,
        }

        impl $crate::node::args::Failure for $name {
            fn failure(error: String) -> Self {
                $name {
                    success: false,
                    $field: Vec::new(),
                    total_found: 0,
                    error: Some(error),
                }
            }
        }

        impl $name {
            pub fn found(items: Vec<$ty>) -> Self {
                $name {
                    success: true,
                    total_found: items.len(),
                    $field: items,
                    error: None,
                }
            }
        }
    };
}

/// `{ success, <field>?: T, error? }`
macro_rules! get_result {
    ($name:ident, $field:ident, $ty:ty) => {
        #[derive(Debug, serde::Serialize)]
        #[serde(rename_all = "camelCase")]
        pub struct $name {
            pub success: bool,
            #[serde(skip_serializing_if = "Option::is_none")]
            pub $field: Option<$ty>,
            #[serde(skip_serializing_if = "Option::is_none")]
            pub error: Option<String>,
        }

        impl $crate::node::args::Failure for $name {
            fn failure(error: String) -> Self {
                $name {
                    success: false,
                    $field: None,
                    error: Some(error),
                }
            }
        }

        impl $name {
            #[allow(dead_code)]
            pub fn found(item: $ty) -> Self {
                $name {
                    success: true,
                    $field: Some(item),
                    error: None,
                }
            }

            /// Same as `found`.
            #[allow(dead_code)]
            pub fn ok(item: $ty) -> Self {
                Self::found(item)
            }
        }
    };
}

/// `{ success, <field>?: data written with its id, <id_field>?: number, error? }`
macro_rules! write_result {
    ($name:ident, $field:ident, $id_field:ident) => {
        #[derive(Debug, serde::Serialize)]
        #[serde(rename_all = "camelCase")]
        pub struct $name {
            pub success: bool,
            #[serde(skip_serializing_if = "Option::is_none")]
            pub $field: Option<serde_json::Value>,
            #[serde(skip_serializing_if = "Option::is_none")]
            pub $id_field: Option<i64>,
            #[serde(skip_serializing_if = "Option::is_none")]
            pub error: Option<String>,
        }

        impl $crate::node::args::Failure for $name {
            fn failure(error: String) -> Self {
                $name {
                    success: false,
                    $field: None,
                    $id_field: None,
                    error: Some(error),
                }
            }
        }

        impl $name {
            /// The data written (`data`) with its `id`.
            pub fn written(id: i64, mut data: serde_json::Map<String, serde_json::Value>) -> Self {
                data.insert("id".into(), id.into());
                $name {
                    success: true,
                    $field: Some(serde_json::Value::Object(data)),
                    $id_field: Some(id),
                    error: None,
                }
            }
        }
    };
}

pub(crate) use {get_result, list_result, search_result, write_result};

/// `{ success, alreadyLinked?, error? }` of link/unlink/attach functions.
#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SuccessResult {
    pub success: bool,
    /// The link existed before the call (nothing changed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub already_linked: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl crate::node::args::Failure for SuccessResult {
    fn failure(error: String) -> Self {
        SuccessResult {
            success: false,
            already_linked: None,
            error: Some(error),
        }
    }
}

impl SuccessResult {
    pub fn ok() -> Self {
        SuccessResult {
            success: true,
            already_linked: None,
            error: None,
        }
    }
    pub fn linked(outcome: crate::api::links::Linked) -> Self {
        SuccessResult {
            success: true,
            already_linked: Some(outcome == crate::api::links::Linked::AlreadyLinked),
            error: None,
        }
    }
}
