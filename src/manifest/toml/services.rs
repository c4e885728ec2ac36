//! The `[services.NAME]` tables: a service's host port, image, address and
//! options, and the check that no two running services want one host port.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::ops::Range;

use toml::Spanned;

use super::fields::{Fields, Reader, unknown};
use crate::manifest::{Diagnostic, Project, ServiceOverride};
use crate::service::ServiceKind;
use strum::VariantNames;

impl Reader<'_> {
    pub(super) fn services(
        &mut self,
        f: Fields<'_, '_>,
    ) -> BTreeMap<ServiceKind, (Range<usize>, ServiceOverride)> {
        let mut services = BTreeMap::new();
        for (key, value) in f.table.iter() {
            let name = key.get_ref().as_ref();
            let path = f.child(name);
            let Some(kind) = ServiceKind::from_name(name) else {
                let names = ServiceKind::VARIANTS;
                self.push(unknown(key.span(), &path, "service", name, names));
                continue;
            };
            let Some(mut s) = Fields::of(value, &path, self) else {
                continue;
            };
            let port =
                s.integer("port", self)
                    .and_then(|port| match u16::try_from(*port.get_ref()) {
                        Ok(p) => Some(p),
                        Err(_) => {
                            self.push(
                                Diagnostic::new(
                                    port.span(),
                                    format!("{path}.port"),
                                    format!("port {} is out of range", port.get_ref()),
                                )
                                .help("use 1 to 65535, or 0 to pick a free port"),
                            );
                            None
                        }
                    });
            let image = s.string("image", self).and_then(|image| {
                if !kind.is_container() {
                    self.push(
                        Diagnostic::new(
                            image.span(),
                            format!("{path}.image"),
                            "the embedded engine is part of devstack and has no image",
                        )
                        .help("remove `image`; `port` and `bind` apply"),
                    );
                    return None;
                }
                let valid = !image.get_ref().is_empty()
                    && !image.get_ref().chars().any(char::is_whitespace);
                if !valid {
                    self.error(
                        image.span(),
                        format!("{path}.image"),
                        format!("`{}` is not an image reference", image.get_ref()),
                    );
                }
                valid.then(|| image.into_inner())
            });
            let bind = s.string("bind", self).and_then(|bind| {
                let parsed = bind.get_ref().parse::<IpAddr>();
                if parsed.is_err() {
                    self.push(
                        Diagnostic::new(
                            bind.span(),
                            format!("{path}.bind"),
                            format!("`{}` is not an IP address", bind.get_ref()),
                        )
                        .help("use `127.0.0.1` (the default) or another address of this machine"),
                    );
                }
                parsed.ok()
            });
            let java_options = s.string_list("java_options", self).and_then(|list| {
                if kind != ServiceKind::DynamodbLocal {
                    self.push(
                        Diagnostic::new(
                            list.span(),
                            format!("{path}.java_options"),
                            "`java_options` applies to `dynamodb-local` only",
                        )
                        .help("remove it here"),
                    );
                    return None;
                }
                Some(
                    list.into_inner()
                        .into_iter()
                        .map(Spanned::into_inner)
                        .collect(),
                )
            });
            s.reject_unknown(&["port", "image", "bind", "java_options"], self);
            let port_span = s.table.get("port").map_or(key.span(), Spanned::span);
            let overrides = ServiceOverride {
                port,
                image,
                bind,
                java_options,
            };
            services.insert(kind, (port_span, overrides));
        }
        services
    }

    pub(super) fn check_ports(
        &mut self,
        project: &Project,
        services: &BTreeMap<ServiceKind, (Range<usize>, ServiceOverride)>,
    ) {
        let mut active = vec![project.engine.service()];
        if project.admin {
            active.push(ServiceKind::DynamodbAdmin);
        }
        let mut taken: Vec<(u16, ServiceKind)> = Vec::new();
        for kind in active {
            let configured = services.get(&kind);
            let port = configured.and_then(|(_, o)| o.port).unwrap_or(kind.port());
            if port == 0 {
                continue;
            }
            if let Some((_, other)) = taken.iter().find(|(p, _)| *p == port) {
                // Point at whichever of the two set the port explicitly.
                let span = configured
                    .filter(|(_, o)| o.port.is_some())
                    .or_else(|| services.get(other))
                    .map_or(0..0, |(span, _)| span.clone());
                self.push(
                    Diagnostic::new(
                        span,
                        format!("services.{kind}.port"),
                        format!("`{kind}` and `{other}` both want host port {port}"),
                    )
                    .help("give one of them another `port`, or `port = 0` to pick a free one"),
                );
            } else {
                taken.push((port, kind));
            }
        }
    }
}
