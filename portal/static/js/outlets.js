// Outlet pages: the district list follows the chosen city; "nearest to me" on the public list.
// Without scripts the district list shows every city's districts under its city, and the server
// checks that the district belongs to the city.
document.addEventListener("DOMContentLoaded", () => {
  followCity();
  openFiltersOnWideScreens();
  nearestToMe();
});

function followCity() {
  const district = document.querySelector("select[data-follows]");
  const city = district && document.getElementById(district.dataset.follows);
  if (!district || !city) return;
  const groups = Array.from(district.querySelectorAll("optgroup"));
  const show = () => {
    const chosen = district.value;
    const keep = city.value;
    groups.forEach((group) => group.remove());
    groups
      .filter((group) => !keep || group.dataset.city === keep)
      .forEach((group) => district.appendChild(group));
    const stillThere = Array.from(district.options).some((option) => option.value === chosen);
    district.value = stillThere ? chosen : "";
  };
  city.addEventListener("change", show);
  // choosing a district while no city is chosen chooses its city
  district.addEventListener("change", () => {
    const option = district.selectedOptions[0];
    if (option && option.dataset.city && city.value !== option.dataset.city) {
      city.value = option.dataset.city;
      show();
    }
  });
  show();
}

function openFiltersOnWideScreens() {
  const panel = document.getElementById("filter-panel");
  if (panel && window.matchMedia("(min-width: 760px)").matches) panel.open = true;
}

function nearestToMe() {
  const button = document.getElementById("near-me");
  const form = document.getElementById("outlet-search");
  const near = document.getElementById("near");
  const message = document.getElementById("near-message");
  if (!button || !form || !near) return;
  if (!("geolocation" in navigator)) {
    button.hidden = true;
    return;
  }
  button.addEventListener("click", () => {
    message.textContent = "";
    navigator.geolocation.getCurrentPosition(
      (position) => {
        near.value = position.coords.latitude.toFixed(5) + "," + position.coords.longitude.toFixed(5);
        form.submit();
      },
      () => {
        message.textContent = button.dataset.denied;
        const panel = document.getElementById("filter-panel");
        if (panel) panel.open = true;
        document.getElementById("city").focus();
      },
      { enableHighAccuracy: false, timeout: 10000, maximumAge: 600000 },
    );
  });
}
